import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import canonicalize from "canonicalize";
import { rawSql } from "../db";
import { appendAudit, appendAuditEvents, auditHash, canonicalRowPieces, recordAudit, verifyAuditChain, GENESIS_HASH } from ".";
import { redactDeep, redactSecrets } from "./redact";

describe.each(DATABASE_KINDS)("audit log on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const prisma = () => database.prisma;

  it("chains rows: seq 1.., each prevHash is the hash before it, and verification passes", async () => {
    for (let i = 0; i < 5; i++) {
      await recordAudit(prisma(), { type: "test.event", actor: { type: "system" }, data: { i, text: "naïve ✓" } });
    }
    const rows = await prisma().auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.seq)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(rows[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prevHash).toBe(rows[i - 1].hash);
    expect(await verifyAuditChain(prisma())).toMatchObject({ ok: true, count: 5, lastSeq: 5n });
  });

  it("concurrent appends still form one gapless chain", async () => {
    const before = (await verifyAuditChain(prisma())) as { count: number };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordAudit(prisma(), { type: "test.concurrent", actor: { type: "system" }, data: { i } })),
    );
    expect(await verifyAuditChain(prisma())).toMatchObject({ ok: true, count: before.count + 20 });
  });

  // Awkward text for the database to hash exactly as Node does: quotes, escapes, control
  // characters, astral and combining characters, keys RFC 8785 sorts by UTF-16 code units.
  const awkward = {
    "quote\"d": 'say "no"\\ \u0001\t\n',
    emoji: "🧨 ﬁ é e\u0301",
    nested: { "\u00e9": 1, e: [1.5, -0, 1e21, null, true], "😀": "astral key", "\uffff": "last" },
    empty: {},
  };

  it("appends several rows in one statement on its own, each hash the database computes equal to Node's", async () => {
    const before = (await verifyAuditChain(prisma())) as { count: number; headHash: string };
    const appended = await appendAuditEvents(
      rawSql(prisma()),
      [
        { type: "test.first", actor: { type: "agent", id: "agent-1" }, subject: { type: "request", id: "r-1" }, data: awkward },
        { type: "test.second", actor: { type: "system" }, data: { list: ["a", "ü"] } },
        { type: "test.third", actor: { type: "user", id: null } },
      ],
      { channel: "countersign_test", payload: "r-1" },
    );
    const rows = await prisma().auditEvent.findMany({ where: { seq: { in: appended.map((a) => a.seq) } }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.seq, r.hash])).toEqual(appended.map((a) => [a.seq, a.hash]));
    expect(rows[0].prevHash).toBe(before.headHash);
    for (const [i, row] of rows.entries()) {
      expect(row.hash).toBe(auditHash(row.prevHash, row));
      if (i > 0) expect(row.prevHash).toBe(rows[i - 1].hash);
      expect(row.at.getTime() % 1).toBe(0);
      expect(row.at.getTime()).toBe(rows[0].at.getTime());
    }
    expect(rows[0].data).toEqual(JSON.parse(JSON.stringify(awkward)));
    expect(await verifyAuditChain(prisma())).toMatchObject({ ok: true, count: before.count + 3 });
  });

  it("writes the canonical row's text around its sequence number and time exactly as canonicalRow does", () => {
    for (const row of [
      { type: "request.created", actorType: "agent", actorId: "a", subjectType: "request", subjectId: "r", data: awkward },
      { type: "t", actorType: "system", actorId: null, subjectType: null, subjectId: null, data: {} },
    ]) {
      const seq = 123456789012n;
      const at = new Date("2026-12-06T06:20:18.489Z");
      const { beforeAt, beforeSeq, afterSeq } = canonicalRowPieces(row);
      expect(beforeAt + at.toISOString() + beforeSeq + seq.toString() + afterSeq).toBe(
        canonicalize({ ...row, seq: seq.toString(), at: at.toISOString() }),
      );
    }
  });

  it("a rolled-back transaction leaves no audit row", async () => {
    const before = await prisma().auditEvent.count();
    await expect(
      prisma().$transaction(async (tx) => {
        await appendAudit(tx, { type: "test.rolled_back", actor: { type: "system" } });
        throw new Error("change failed");
      }),
    ).rejects.toThrow("change failed");
    expect(await prisma().auditEvent.count()).toBe(before);
    expect((await verifyAuditChain(prisma())).ok).toBe(true);
  });

  it.each([
    ["UPDATE", `UPDATE audit_events SET type = 'forged' WHERE seq = 1`],
    ["DELETE", `DELETE FROM audit_events WHERE seq = 2`],
    ["TRUNCATE", `TRUNCATE audit_events`],
  ])("the database refuses %s on the audit table", async (_op, statement) => {
    await expect(prisma().$executeRawUnsafe(statement)).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(prisma())).ok).toBe(true);
  });

  it("keeps refusing changes to the audit table under session_replication_role = replica", async () => {
    // Replica mode switches ordinary triggers off (it is how logical replication applies rows); the
    // guard's triggers are ENABLE ALWAYS, so a superuser's session in that mode is refused too.
    await database.withSql(async (sql) => {
      for (const statement of [`UPDATE audit_events SET type = 'forged' WHERE seq = 1`, `DELETE FROM audit_events WHERE seq = 2`, `TRUNCATE audit_events`]) {
        await sql.exec(`BEGIN`);
        try {
          await sql.exec(`SET LOCAL session_replication_role = replica`);
          const [{ role }] = await sql.query<{ role: string }>(`SELECT current_setting('session_replication_role') AS role`);
          expect(role).toBe("replica");
          await expect(sql.exec(statement)).rejects.toThrow(/append-only/);
        } finally {
          await sql.exec(`ROLLBACK`);
        }
      }
    });
    expect((await verifyAuditChain(prisma())).ok).toBe(true);
  });

  it("refuses DDL that would switch the guard off", async () => {
    for (const statement of [
      `ALTER TABLE audit_events DISABLE TRIGGER ALL`,
      `DROP TRIGGER audit_events_no_update_delete ON audit_events`,
      `DROP TABLE audit_events`,
    ]) {
      await expect(database.withSql((sql) => sql.exec(statement))).rejects.toThrow(/append-only/);
    }
    await expect(prisma().$executeRawUnsafe(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
  });

  // Tampering needs a superuser to take the guards down first, which the app never does. Each case
  // starts from its own intact chain of six rows, so the sequence named is the tampered one.
  it.each([
    ["an edited row", [`UPDATE audit_events SET data = '{"i": 99}' WHERE seq = 3`], 3n, /altered/],
    ["an edited column other than data", [`UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 5`], 5n, /altered/],
    ["a deleted middle row", [`DELETE FROM audit_events WHERE seq = 4`], 4n, /missing/],
    ["a deleted first row", [`DELETE FROM audit_events WHERE seq = 1`], 1n, /missing/],
    [
      "a row deleted and the next one relinked",
      [`DELETE FROM audit_events WHERE seq = 2`, `UPDATE audit_events SET seq = 2 WHERE seq = 3`],
      2n,
      /does not link|altered/,
    ],
  ])("detects %s, naming its sequence number", async (_name, statements, brokenAt, reason) => {
    const fresh = await createTestDatabase(kind);
    try {
      for (let i = 0; i < 6; i++) await recordAudit(fresh.prisma, { type: "test.event", actor: { type: "system" }, data: { i } });
      expect(await verifyAuditChain(fresh.prisma)).toMatchObject({ ok: true, count: 6 });
      await fresh.withSql(async (sql) => {
        await sql.exec(`DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_ddl; DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_drop;`);
        await sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER ALL`);
        for (const statement of statements) await sql.exec(statement);
      });
      const status = await verifyAuditChain(fresh.prisma);
      expect(status).toMatchObject({ ok: false, brokenAt });
      expect((status as { reason: string }).reason).toMatch(reason);
    } finally {
      await fresh.drop();
    }
  });
});

describe("redaction of agent-supplied text", () => {
  it.each([
    ["Authorization: Bearer abcdefghijklmnop123", "Authorization: Bearer [REDACTED]"],
    ["postgres://admin:hunter2secret@db.internal:5432/prod", "postgres://admin:[REDACTED]@db.internal:5432/prod"],
    ["key AKIAIOSFODNN7EXAMPLE in file", "key [REDACTED] in file"],
    ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = [REDACTED]"],
    ["token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "token [REDACTED]"],
    ["PASSWORD=correcthorse", "PASSWORD=[REDACTED]"],
    ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----", "[REDACTED PRIVATE KEY]"],
    ["my key csk_0123456789abcdef_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", "my key [REDACTED]"],
  ])("redacts %s", (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it("leaves ordinary text alone", () => {
    const text = "Dropping the customers table because the migration failed; see https://example.com/runbook";
    expect(redactSecrets(text)).toBe(text);
  });

  it("redacts inside nested structures", () => {
    expect(redactDeep({ transcript: [{ role: "tool", content: "curl -H 'Authorization: Bearer sk-abcdefghijklmnop'" }] })).toEqual({
      transcript: [{ role: "tool", content: "curl -H 'Authorization: Bearer [REDACTED]'" }],
    });
  });
});
