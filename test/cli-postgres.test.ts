// The admin CLI as a subprocess on PostgreSQL, as an operator runs it: users and agents disabled,
// keys added, and `audit verify` on a chain someone tampered with.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createOwnedPostgresDatabase, createPostgresDatabase } from "./databases";
import { cleanEnv, runCli, startApp, type AppServer } from "./app-server";
import { openPostgres, type Database } from "../lib/db";
import { authenticateAgentKey } from "../lib/agents";
import { authenticateUser } from "../lib/users";

const SECRET = "cli-postgres-auth-secret-0123456789abcdef";

describe.runIf(DATABASE_KINDS.includes("postgres"))("admin CLI on PostgreSQL", () => {
  let pg: { url: string; drop(): Promise<void> };
  let database: Database;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await createPostgresDatabase();
    env = cleanEnv({ DATABASE_URL: pg.url, AUTH_SECRET: SECRET, LOG_LEVEL: "silent" });
    const user = await runCli(["user", "add", "--email", "rev@example.com", "--role", "approver"], env, "a long enough password\n");
    expect(user.stderr).toBe("");
    database = await openPostgres(pg.url);
  });
  afterAll(async () => {
    await database?.close();
    await pg?.drop();
  });

  it("`user disable` stops a reviewer signing in", async () => {
    expect(await authenticateUser(database.prisma, "rev@example.com", "a long enough password")).toMatchObject({ email: "rev@example.com" });
    const disabled = await runCli(["user", "disable", "--email", "rev@example.com"], env);
    expect(disabled.stderr).toBe("");
    expect(disabled.code).toBe(0);
    expect(disabled.stdout.trim()).toBe("User rev@example.com disabled: signed out, and cannot sign in or review until enabled again.");
    expect(await authenticateUser(database.prisma, "rev@example.com", "a long enough password")).toBeNull();
    const list = JSON.parse((await runCli(["user", "list", "--json"], env)).stdout);
    expect(list).toEqual([expect.objectContaining({ email: "rev@example.com", disabledAt: expect.any(String) })]);
    expect((await runCli(["user", "disable", "--email", "nobody@example.com"], env)).code).toBe(1);
  });

  it("`agent key add` prints a second working key once; `agent disable` refuses all of its keys", async () => {
    const added = await runCli(["agent", "add", "--name", "pg-bot", "--environments", "staging", "--json"], env);
    expect(added.code).toBe(0);
    const first = JSON.parse(added.stdout).key as string;

    const second = await runCli(["agent", "key", "add", "--agent", "pg-bot", "--label", "ci", "--json"], env);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    const issued = JSON.parse(second.stdout);
    expect(issued).toMatchObject({ agent: "pg-bot", key: expect.stringMatching(/^csk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/) });
    expect(issued.key).not.toBe(first);
    expect((await authenticateAgentKey(database.prisma, issued.key)).agent.name).toBe("pg-bot");
    // Only its hash is stored.
    const stored = await database.prisma.agentKey.findUniqueOrThrow({ where: { lookupId: issued.lookupId } });
    expect(JSON.stringify(stored)).not.toContain(issued.key.slice("csk_".length + 17));
    expect((await runCli(["agent", "key", "add", "--agent", "no-such-bot"], env)).code).toBe(1);

    const disabled = await runCli(["agent", "disable", "--name", "pg-bot"], env);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout.trim()).toBe("Agent pg-bot disabled: its keys are refused until it is enabled again.");
    for (const key of [first, issued.key]) {
      await expect(authenticateAgentKey(database.prisma, key)).rejects.toMatchObject({ code: "agent_disabled" });
    }
    const agents = JSON.parse((await runCli(["agent", "list", "--json"], env)).stdout);
    expect(agents).toEqual([expect.objectContaining({ name: "pg-bot", disabledAt: expect.any(String) })]);
  });

  it("`audit verify` passes an intact chain and exits 1 naming the row someone edited", async () => {
    const intact = await runCli(["audit", "verify", "--json"], env);
    expect(intact.code).toBe(0);
    const status = JSON.parse(intact.stdout);
    expect(status).toMatchObject({ ok: true });
    expect(status.count).toBeGreaterThanOrEqual(5);

    // A superuser takes the guards down and edits row 3 (as someone covering their tracks would).
    await database.withSql(async (sql) => {
      await sql.exec(`DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_ddl; DROP EVENT TRIGGER IF EXISTS countersign_audit_guard_drop;`);
      await sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER ALL`);
      await sql.exec(`UPDATE audit_events SET data = jsonb_set(data, '{email}', '"someone@example.com"') WHERE seq = 3`);
    });
    const broken = await runCli(["audit", "verify"], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("Audit chain BROKEN at sequence 3");

    await database.withSql((sql) => sql.exec(`DELETE FROM audit_events WHERE seq = 2`));
    const json = await runCli(["audit", "verify", "--json"], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, brokenAt: 2 });
  });
});

describe.runIf(DATABASE_KINDS.includes("postgres"))("the README's two-role PostgreSQL deployment", () => {
  let roles: Awaited<ReturnType<typeof createOwnedPostgresDatabase>>;
  let app: AppServer | undefined;
  beforeAll(async () => {
    roles = await createOwnedPostgresDatabase();
  });
  afterAll(async () => {
    await app?.stop();
    await roles?.drop();
  });

  it("the CLI and the server migrate as the owner and run as the app role, which cannot touch audit rows", async () => {
    const env = cleanEnv({ DATABASE_URL: roles.appUrl, DATABASE_MIGRATION_URL: roles.ownerUrl, AUTH_SECRET: SECRET, LOG_LEVEL: "silent" });
    const added = await runCli(["agent", "add", "--name", "two-role-bot", "--environments", "staging", "--json"], env);
    expect(added.stderr).toBe("");
    const { key } = JSON.parse(added.stdout);

    app = await startApp({ databaseUrl: roles.appUrl, env: { DATABASE_MIGRATION_URL: roles.ownerUrl, AUTH_SECRET: SECRET } });
    const res = await fetch(`${app.url}/api/v1/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ operation: { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "SELECT 1" } }),
    });
    expect(res.status).toBe(201);

    const asApp = await openPostgres(roles.appUrl);
    try {
      const [owner] = await asApp.withSql((sql) => sql.query<{ tableowner: string }>(`SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'`));
      expect(owner.tableowner).toBe(roles.owner);
      await expect(asApp.withSql((sql) => sql.exec(`DELETE FROM audit_events`))).rejects.toThrow(/permission denied/);
      await expect(asApp.withSql((sql) => sql.exec(`ALTER TABLE audit_events DISABLE TRIGGER ALL`))).rejects.toThrow(/must be owner/);
    } finally {
      await asApp.close();
    }
    const verify = await runCli(["audit", "verify"], env);
    expect(verify.code).toBe(0);
  }, 120_000);
});
