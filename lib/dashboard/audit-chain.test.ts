import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { recordAudit } from "../audit";
import { auditChainStatus } from "./audit-chain";

describe.each(DATABASE_KINDS)("the audit page's chain status on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const record = async (n: number) => {
    for (let i = 0; i < n; i++) await recordAudit(database.prisma, { type: "test.event", actor: { type: "system" }, data: { i } });
  };
  const tamper = (sql: string) =>
    database.withSql(async (s) => {
      // Only a superuser taking the guards down can do this; the app never does.
      await s.exec(`DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_ddl; DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_drop;`);
      await s.exec(`ALTER TABLE audit_events DISABLE TRIGGER ALL`);
      await s.exec(sql);
    });

  it("walks the whole chain once, then only what is new; a full check on demand finds old tampering", async () => {
    const prisma = database.prisma;
    const base = await prisma.auditEvent.count();
    await record(5);
    const first = await auditChainStatus(prisma);
    expect(first).toMatchObject({ ok: true, count: base + 5, incremental: false });

    await record(3);
    const second = await auditChainStatus(prisma);
    expect(second).toMatchObject({ ok: true, count: base + 8, lastSeq: BigInt(base + 8), incremental: true, fullCheckAt: first.fullCheckAt });

    // A row inside the remembered prefix is altered: the cheap check does not read it...
    await tamper(`UPDATE audit_events SET data = '{"i": 99}' WHERE seq = ${base + 2}`);
    expect(await auditChainStatus(prisma)).toMatchObject({ ok: true, incremental: true });
    // ...the full walk does, names the row, and the next cheap check no longer trusts the cache.
    expect(await auditChainStatus(prisma, { full: true })).toMatchObject({ ok: false, brokenAt: BigInt(base + 2), incremental: false });
    expect(await auditChainStatus(prisma)).toMatchObject({ ok: false, brokenAt: BigInt(base + 2) });
  });

  it("notices at once when the remembered head row itself changes", async () => {
    const prisma = database.prisma;
    await tamper(`DELETE FROM audit_events`);
    await tamper(`ALTER TABLE audit_events ENABLE TRIGGER ALL`);
    await record(4);
    expect(await auditChainStatus(prisma, { full: true })).toMatchObject({ ok: true, count: 4, lastSeq: 4n });
    await tamper(`UPDATE audit_events SET type = 'forged' WHERE seq = 4`);
    expect(await auditChainStatus(prisma)).toMatchObject({ ok: false, brokenAt: 4n, incremental: false });
  });
});
