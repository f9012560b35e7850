// Checkpoints anchor the audit log outside the database: whoever owns the table (or the embedded
// data folder) can take its guards down, delete the newest rows or rewrite the chain from a row on
// with fresh hashes — and `audit verify` alone says intact. Against checkpoints taken before, it
// does not. Both attacks, on both databases, as the table's owner.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { compactVerify, createLocalJWKSet } from "jose";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { loadConfig, type Config } from "../env";
import { ensureSigningKey, publicJwks } from "../grants/keys";
import { auditHash, recordAudit, verifyAuditChain } from ".";
import { CHECKPOINT_TYP, takeCheckpoint, verifyCheckpoints, writeCheckpoint } from "./checkpoint";

describe.each(DATABASE_KINDS)("audit checkpoints on %s", (kind) => {
  let database: TestDatabase;
  let cfg: Config;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "cs-checkpoints-")), "checkpoints.jsonl");

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    cfg = loadConfig({ COUNTERSIGN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "cs-data-")), AUTH_SECRET: randomBytes(32).toString("base64url"), LOG_LEVEL: "silent" });
    await ensureSigningKey(database.prisma, cfg);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const events = async (n: number) => {
    for (let i = 0; i < n; i++) await recordAudit(database.prisma, { type: "test.event", actor: { type: "system" }, data: { i } });
  };
  const asOwner = (statements: string[]) =>
    database.withSql(async (sql) => {
      await sql.exec(`DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_ddl; DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_drop;`);
      await sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER ALL`);
      for (const statement of statements) await sql.exec(statement);
      await sql.exec(`ALTER TABLE audit_events ENABLE TRIGGER ALL`);
    });

  let base = 0;
  const at = (n: number) => String(base + n);

  it("signs each checkpoint with the published key, one JSON line a checkpoint", async () => {
    base = Number((await database.prisma.auditEvent.count()));
    await events(10);
    const line = (await takeCheckpoint(database.prisma, cfg))!;
    expect(line).toMatchObject({ seq: at(10), head: expect.stringMatching(/^[0-9a-f]{64}$/), kid: expect.any(String) });
    const jwks = createLocalJWKSet(await publicJwks(database.prisma, cfg, new Date()));
    const { payload, protectedHeader } = await compactVerify(line.jws, jwks);
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", typ: CHECKPOINT_TYP, kid: line.kid });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ seq: line.seq, head: line.head, at: line.at, kid: line.kid });
    writeCheckpoint(line, file);
    await events(10);
    writeCheckpoint((await takeCheckpoint(database.prisma, cfg))!, file);
    expect(readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l).seq)).toEqual([at(10), at(20)]);
    expect(await verifyCheckpoints(database.prisma, cfg, readFileSync(file, "utf8"))).toEqual({ ok: true, checked: 2, findings: [] });
  });

  it("detects a rewrite from a row on with fresh hashes, which the chain alone does not", async () => {
    // Row 5 edited, and every hash from it on recomputed: a valid chain, a different history.
    const rows = await database.prisma.auditEvent.findMany({ where: { seq: { gte: BigInt(at(4)) } }, orderBy: { seq: "asc" } });
    let prevHash = rows[0].hash;
    const statements: string[] = [];
    for (const row of rows.slice(1)) {
      const data = row.seq === BigInt(at(5)) ? { i: "forged" } : row.data;
      const hash = auditHash(prevHash, { ...row, data: data as Record<string, unknown> });
      statements.push(`UPDATE audit_events SET data = '${JSON.stringify(data)}', prev_hash = '${prevHash}', hash = '${hash}' WHERE seq = ${row.seq}`);
      prevHash = hash;
    }
    await asOwner(statements);
    expect(await verifyAuditChain(database.prisma)).toMatchObject({ ok: true });
    const report = await verifyCheckpoints(database.prisma, cfg, readFileSync(file, "utf8"));
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => f.problem)).toEqual(["rewritten", "rewritten"]);
    expect(report.findings[0].message).toMatch(new RegExp(`^row ${at(10)}'s hash differs from the checkpoint at \\S+: the chain was rewritten$`));
  });

  it("detects the newest rows deleted, naming where the log ends and what the checkpoint saw", async () => {
    await asOwner([`DELETE FROM audit_events WHERE seq > ${at(15)}`]);
    expect(await verifyAuditChain(database.prisma)).toMatchObject({ ok: true, lastSeq: BigInt(at(15)) });
    const report = await verifyCheckpoints(database.prisma, cfg, readFileSync(file, "utf8"));
    expect(report.findings.find((f) => f.problem === "tail_deleted")?.message).toMatch(new RegExp(`^the log ends at ${at(15)} but the checkpoint at \\S+ saw ${at(20)}$`));
  });

  it("refuses a checkpoint line whose signature does not verify", async () => {
    const [first] = readFileSync(file, "utf8").trim().split("\n");
    const forged = JSON.parse(first);
    const [h, p, s] = forged.jws.split(".");
    const payload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), seq: "1" })).toString("base64url");
    const report = await verifyCheckpoints(database.prisma, cfg, `${JSON.stringify({ ...forged, jws: `${h}.${payload}.${s}` })}\n`);
    expect(report).toMatchObject({ ok: false, checked: 0, findings: [{ problem: "unreadable" }] });
  });
});
