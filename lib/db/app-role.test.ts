// The PostgreSQL deployment where the app cannot switch off the audit log's append-only guard:
// migrations run as the role that owns the database (DATABASE_MIGRATION_URL), the app connects as
// a role that owns nothing and holds only SELECT, INSERT on audit_events.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DATABASE_KINDS, createOwnedPostgresDatabase } from "../../test/databases";
import { openDatabase, type Database } from ".";
import { loadConfig } from "../env";
import { recordAudit, verifyAuditChain } from "../audit";
import { prepareDatabase } from "../server/bootstrap";
import { createAgent } from "../agents";
import { CLI } from "../actors";

/** Countersign configured with the app role to serve and the owner role to migrate. */
function twoRoleConfig(roles: { appUrl: string; ownerUrl: string }, extra: Record<string, string> = {}) {
  return loadConfig({
    DATABASE_URL: roles.appUrl,
    DATABASE_MIGRATION_URL: roles.ownerUrl,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    COUNTERSIGN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "cs-roles-")),
    LOG_LEVEL: "silent",
    ...extra,
  });
}

describe.runIf(DATABASE_KINDS.includes("postgres"))("the app role on PostgreSQL (DATABASE_MIGRATION_URL)", () => {
  let roles: Awaited<ReturnType<typeof createOwnedPostgresDatabase>>;
  let app: Database;

  beforeAll(async () => {
    roles = await createOwnedPostgresDatabase();
    const cfg = twoRoleConfig(roles, { NODE_ENV: "test" });
    app = await openDatabase(cfg, { migrate: true });
    await prepareDatabase(app.prisma, cfg);
  });
  afterAll(async () => {
    await app?.close();
    await roles?.drop();
  });

  it("migrates as the owner and runs the app's own work as the app role", async () => {
    const [who] = await app.withSql((sql) =>
      sql.query<{ role: string; owner: string; superuser: boolean }>(
        `SELECT current_user AS role, (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events') AS owner,
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`,
      ),
    );
    expect(who).toEqual({ role: roles.app, owner: roles.owner, superuser: false });
    const created = await createAgent(app.prisma, { name: `bot-${randomBytes(3).toString("hex")}`, environments: ["staging"] }, CLI);
    expect(created.plaintext).toMatch(/^csk_/);
    await recordAudit(app.prisma, { type: "test.app_role", actor: { type: "system" }, data: { ok: true } });
    const chain = await verifyAuditChain(app.prisma);
    expect(chain.ok).toBe(true);
    expect((chain as { count: number }).count).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ["UPDATE", `UPDATE audit_events SET type = 'forged' WHERE seq = 1`, /permission denied for table audit_events/],
    ["DELETE", `DELETE FROM audit_events WHERE seq = 1`, /permission denied for table audit_events/],
    ["TRUNCATE", `TRUNCATE audit_events`, /permission denied for table audit_events/],
    ["DISABLE TRIGGER", `ALTER TABLE audit_events DISABLE TRIGGER ALL`, /must be owner of table audit_events/],
    ["DROP TRIGGER", `DROP TRIGGER audit_events_no_update_delete ON audit_events`, /must be owner of (table|relation) audit_events/],
    ["DROP TABLE", `DROP TABLE audit_events`, /must be owner of table audit_events/],
    ["session_replication_role", `SET session_replication_role = replica`, /permission denied to set parameter/],
  ])("the app role cannot %s on audit_events", async (_what, statement, message) => {
    await expect(app.withSql((sql) => sql.exec(statement))).rejects.toThrow(message);
    await expect(app.prisma.$executeRawUnsafe(`DELETE FROM audit_events`)).rejects.toThrow(/permission denied/);
    expect((await verifyAuditChain(app.prisma)).ok).toBe(true);
  });

  it("warns when the app's role could act as the owner (here: the owner itself), not when it cannot", async () => {
    const warningsOpening = async (appUrl: string) => {
      const lines: string[] = [];
      const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
      let opened: Database | undefined;
      try {
        const cfg = loadConfig({ DATABASE_URL: appUrl, DATABASE_MIGRATION_URL: roles.ownerUrl, AUTH_SECRET: randomBytes(32).toString("base64url"), COUNTERSIGN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "cs-roles-")) });
        opened = await openDatabase(cfg, { migrate: true });
      } finally {
        spy.mockRestore();
        await opened?.close();
      }
      return lines.map((l) => JSON.parse(l)).filter((l) => /can switch off the audit log's append-only guard/.test(l.msg));
    };
    expect(await warningsOpening(roles.ownerUrl)).toEqual([expect.objectContaining({ level: "warn", role: roles.owner, owner: true, superuser: false })]);
    expect(await warningsOpening(roles.appUrl)).toEqual([]);
  });

  it("a restart migrates again as the owner and keeps the grants (new tables included)", async () => {
    const cfg = twoRoleConfig(roles);
    const again = await openDatabase(cfg, { migrate: true });
    try {
      await recordAudit(again.prisma, { type: "test.after_restart", actor: { type: "system" } });
      // Granting itself more is a no-op (PostgreSQL only warns): the role holds no grant option.
      await again.withSql((sql) => sql.exec(`GRANT UPDATE, DELETE, TRUNCATE ON audit_events TO CURRENT_USER`));
      const [privileges] = await again.withSql((sql) =>
        sql.query<{ update: boolean; insert: boolean }>(
          `SELECT has_table_privilege(current_user, 'audit_events', 'UPDATE') AS update,
                  has_table_privilege(current_user, 'audit_events', 'INSERT') AS insert`,
        ),
      );
      expect(privileges).toEqual({ update: false, insert: true });
    } finally {
      await again.close();
    }
  });
});
