// The dry run runs before anyone approved anything, so nothing built from the agent's text may
// have a side effect. Each attack here has an observable effect on a real PostgreSQL database — a
// second session, the victim, that pg_terminate_backend would end — and each must end up "not
// measured" with the victim alive and the data unchanged. Error messages, which can quote the
// data, never reach the measurement.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { DATABASE_KINDS, createPostgresDatabase } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import * as sqlRoute from "../../app/api/v1/resources/[name]/sql/route";
import { setConfig, type Config } from "../env";
import { DEFAULT_POLICY_RULES } from "../policy";
import { savePolicy } from "../policy/store";
import { registerResource } from "../resources";
import { loadRiskEngine } from "../risk";
import { dryRunSql } from "./dry-run";

const SECRET_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

const SEED = `
  CREATE TABLE t (id int PRIMARY KEY, a int);
  INSERT INTO t SELECT g, g FROM generate_series(1, 20) g;
  CREATE TABLE users (id int PRIMARY KEY, password_hash text NOT NULL);
  INSERT INTO users VALUES (1, '${SECRET_HASH}');
  CREATE TABLE victim (pid int);
  -- dblink's own connection is not READ ONLY: what it runs is a write anyone can see.
  CREATE EXTENSION IF NOT EXISTS dblink;
  CREATE TABLE side_log (note text);
  CREATE FUNCTION public.kill_victim() RETURNS int VOLATILE LANGUAGE sql AS 'SELECT count(pg_terminate_backend(pid))::int FROM victim';
  -- Shadows pg_catalog.lower for an int argument under the default search_path.
  CREATE FUNCTION public.lower(int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT public.kill_victim()';
  -- Declared IMMUTABLE, so the planner folds a call with constant arguments while EXPLAINing.
  CREATE FUNCTION public.folded() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM public.kill_victim(); RETURN 1; END $$;
  CREATE FUNCTION public.kill_eq(int, int) RETURNS boolean VOLATILE LANGUAGE sql AS 'SELECT public.kill_victim() >= 0';
  CREATE FUNCTION public.kill_eq_text(int, text) RETURNS boolean VOLATILE LANGUAGE sql AS 'SELECT public.kill_victim() >= 0';
  CREATE OPERATOR public.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = public.kill_eq);
  -- A custom "=" that the default search_path finds for (int, text).
  CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = text, FUNCTION = public.kill_eq_text);
  CREATE VIEW t_view AS SELECT * FROM t WHERE public.kill_victim() >= 0;
  ANALYZE t;
`;

describe.runIf(DATABASE_KINDS.includes("postgres"))("the dry run has no side effects on PostgreSQL", () => {
  let target: { url: string; drop(): Promise<void> };
  let client: pg.Client;
  let victim: pg.Client;
  let victimPid: number;

  beforeAll(async () => {
    await loadRiskEngine();
    target = await createPostgresDatabase();
    client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(SEED);
  });
  afterAll(async () => {
    await victim?.end().catch(() => undefined);
    await client?.end();
    await target?.drop();
  });

  /** A fresh victim session whose pid the attack functions would terminate. */
  async function newVictim() {
    await victim?.end().catch(() => undefined);
    victim = new pg.Client({ connectionString: target.url });
    victim.on("error", () => undefined);
    await victim.connect();
    victimPid = (await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    await client.query("TRUNCATE victim");
    await client.query("INSERT INTO victim VALUES ($1)", [victimPid]);
  }

  async function victimAlive(): Promise<boolean> {
    const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1", [victimPid]);
    return rows[0].n === 1;
  }

  const fingerprint = async () =>
    (await client.query("SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM t) AS t, (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM side_log)::int AS side_log")).rows[0];

  it.each([
    ["a function in DELETE … USING", () => `DELETE FROM t USING pg_terminate_backend(${victimPid}) x WHERE true`, /pg_terminate_backend/],
    ["a function in UPDATE … FROM", () => `UPDATE t SET a = 1 FROM dblink_exec('${target.url}', 'INSERT INTO side_log VALUES (''written'')') d(r) WHERE true`, /dblink_exec/],
    [
      "set_config in a USING subquery, then a shadowed built-in",
      () => "DELETE FROM t USING (SELECT set_config('search_path', 'public', true) AS p) s WHERE lower(t.id) = 1",
      /set_config/,
    ],
    ["a user function shadowing lower() through search_path", () => "DELETE FROM t WHERE lower(id) = 1", /undefined_function/],
    ["a schema-qualified user function", () => "DELETE FROM t WHERE id = public.lower(1)", /public\.lower/],
    ["an IMMUTABLE user function the planner would fold", () => "DELETE FROM t WHERE id = public.folded()", /public\.folded/],
    ["a custom operator", () => "DELETE FROM t WHERE id === 1", /operator ===/],
    ["a custom = shadowing the built-in for (int, text)", () => "DELETE FROM t WHERE id = '1'::text", /undefined_function/],
    ["OPERATOR(public.=)", () => "DELETE FROM t WHERE id OPERATOR(public.=) '1'::text", /operator public\.=/],
    ["a view whose query calls a user function", () => "DELETE FROM t_view WHERE id = 1", /a view/],
    ["a function in a WHERE subquery's FROM", () => `DELETE FROM t WHERE id IN (SELECT 1 FROM pg_terminate_backend(${victimPid}) k)`, /pg_terminate_backend/],
  ])("does not evaluate %s", async (_label, sql, why) => {
    await newVictim();
    const before = await fingerprint();
    const dryRun = await dryRunSql(target.url, sql());
    expect(await victimAlive()).toBe(true);
    expect(await fingerprint()).toEqual(before);
    expect(dryRun.sentence).toMatch(/^(Deletes|Updates) an uncounted number of (the 20 )?rows in `public\.(t|t_view)`/);
    expect(dryRun.statements[0].tables[0]?.affectedRows ?? null).toBeNull();
    expect(dryRun.details).toMatch(why);
    expect(dryRun.details).toMatch(/not (counted|measured)/);
  });

  it("still counts and plans an ordinary statement, its tables schema-qualified", async () => {
    await newVictim();
    const dryRun = await dryRunSql(target.url, "DELETE FROM ONLY t AS x WHERE x.id > lower('5')::int AND x.a IN (SELECT id FROM t WHERE id <= 10)");
    expect(dryRun.statements[0].tables[0]).toMatchObject({ table: "public.t", totalRows: 20, affectedRows: 5 });
    expect(dryRun.statements[0].tables[0].where).toContain('FROM ONLY "public"."t" AS x');
    expect(dryRun.statements[0].plan).toMatch(/Delete on t/);
    expect(await victimAlive()).toBe(true);
  });

  it("reports a failed count by its condition name, never the message quoting the data", async () => {
    const dryRun = await dryRunSql(target.url, "DELETE FROM t WHERE id = (SELECT password_hash FROM users LIMIT 1)::int");
    expect(dryRun.details).toContain("not measured: invalid_text_representation");
    expect(dryRun.details).not.toContain(SECRET_HASH);
    expect(dryRun.details).not.toContain("c2FsdHNhbHQ");
    expect(dryRun.details).not.toMatch(/invalid input syntax/);
  });

  describe("one time budget for the whole dry run", () => {
    let locker: pg.Client | undefined;
    afterEach(async () => {
      await locker?.query("ROLLBACK").catch(() => undefined);
      await locker?.end().catch(() => undefined);
      locker = undefined;
    });

    it("answers within its budget and says what it did not measure", async () => {
      // Another session holds t locked: every measurement of t waits for it.
      locker = new pg.Client({ connectionString: target.url });
      await locker.connect();
      await locker.query("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
      const sql = Array.from({ length: 8 }, (_, i) => `DELETE FROM t WHERE id = ${i}`).join("; ");
      const started = Date.now();
      const dryRun = await dryRunSql(target.url, sql, { budgetMs: 2_500 });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(2_500 + 1_500);
      expect(dryRun.details).toMatch(/budget ran out/);
      expect(dryRun.details).toMatch(/lock_not_available/);
    });
  });
});

describe.runIf(DATABASE_KINDS.includes("postgres"))("the dry run and code a database attaches to its tables and types", () => {
  let target: { url: string; drop(): Promise<void> };
  let client: pg.Client;

  beforeAll(async () => {
    await loadRiskEngine();
    target = await createPostgresDatabase();
    client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(`
      CREATE TABLE victim (pid int);
      CREATE FUNCTION public.kill_victim() RETURNS int VOLATILE LANGUAGE sql AS 'SELECT count(pg_terminate_backend(pid))::int FROM victim';
      CREATE FUNCTION public.folded() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM public.kill_victim(); RETURN 1; END $$;
      -- A rule the rewriter adds to every DELETE, planned (and folded) by EXPLAIN.
      CREATE TABLE ruled (id int PRIMARY KEY);
      INSERT INTO ruled SELECT generate_series(1, 5);
      CREATE RULE ruled_delete AS ON DELETE TO ruled DO ALSO SELECT public.folded();
    `);
  });
  afterAll(async () => {
    await client?.end();
    await target?.drop();
  });

  async function victim(): Promise<{ alive(): Promise<boolean>; end(): Promise<void> }> {
    const session = new pg.Client({ connectionString: target.url });
    session.on("error", () => undefined);
    await session.connect();
    const pid = (await session.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    await client.query("TRUNCATE victim");
    await client.query("INSERT INTO victim VALUES ($1)", [pid]);
    return {
      alive: async () => (await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1", [pid])).rows[0].n === 1,
      end: () => session.end().catch(() => undefined),
    };
  }

  it("does not plan a DELETE on a table whose rules would fold a user function", async () => {
    const v = await victim();
    const dryRun = await dryRunSql(target.url, "DELETE FROM ruled WHERE id = 1");
    expect(await v.alive()).toBe(true);
    expect(dryRun.statements[0].plan).toBeNull();
    expect(dryRun.details).toMatch(/Plan not measured: ruled is a table with rewrite rules/);
    await v.end();
  });

  it.each([
    ["the foreign table itself", "fdw_child"],
    ["a table with a foreign child", "fdw_parent"],
  ])("does not scan %s, whose program would run", async (_label, table) => {
    const marker = path.join(os.tmpdir(), `countersign-fdw-${randomBytes(6).toString("hex")}`);
    await client.query(`
      CREATE EXTENSION IF NOT EXISTS file_fdw;
      DO $$ BEGIN CREATE SERVER files FOREIGN DATA WRAPPER file_fdw; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
      DROP TABLE IF EXISTS fdw_parent CASCADE;
      CREATE TABLE fdw_parent (id int);
      INSERT INTO fdw_parent VALUES (1);
      CREATE FOREIGN TABLE fdw_child () INHERITS (fdw_parent) SERVER files OPTIONS (program 'touch ${marker}; echo 2', format 'csv');
    `);
    const dryRun = await dryRunSql(target.url, `DELETE FROM ${table} WHERE id = 1`);
    expect(existsSync(marker)).toBe(false);
    expect(dryRun.statements[0].tables[0]).toMatchObject({ table: `public.${table}`, totalRows: null, affectedRows: null });
    expect(dryRun.details).toMatch(/Rows not counted: public\.fdw_(child is a foreign table|parent is a table with foreign tables among its partitions or children)/);
    // The check is on the scratch database's own server, which runs on this machine in CI.
    await client.query(`SELECT count(*) FROM fdw_child`);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker, { force: true });
  });

  it("does not evaluate a comparison an implicit user-defined cast would serve", async () => {
    await client.query(`
      CREATE TYPE mood AS ENUM ('ok', 'bad');
      CREATE FUNCTION public.mood_text(mood) RETURNS text VOLATILE LANGUAGE sql AS 'SELECT public.kill_victim()::text';
      CREATE CAST (mood AS text) WITH FUNCTION public.mood_text(mood) AS IMPLICIT;
      CREATE TABLE moods (id int PRIMARY KEY, feeling mood);
      INSERT INTO moods VALUES (1, 'ok'), (2, 'bad');
    `);
    const v = await victim();
    const dryRun = await dryRunSql(target.url, "DELETE FROM moods WHERE feeling = 'ok'::text");
    expect(await v.alive()).toBe(true);
    expect(dryRun.statements[0].tables[0]).toMatchObject({ totalRows: 2, affectedRows: null });
    expect(dryRun.details).toMatch(/not counted: the database defines casts through its own functions/);
    await v.end();
  });
});

describe.runIf(DATABASE_KINDS.includes("postgres"))("the dry run runs only for a request that waits for people", () => {
  let h: Harness;
  let cfg: Config;
  let target: { url: string; drop(): Promise<void> };
  let client: pg.Client;
  const staging = `dry-staging-${Math.random().toString(36).slice(2, 8)}`;
  const production = `dry-prod-${Math.random().toString(36).slice(2, 8)}`;
  const denied = `dry-denied-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    h = await createHarness("embedded");
    cfg = { ...h.config, slackWebhookUrl: "https://hooks.slack.test/services/T000/B000/XXXX" };
    setConfig(cfg);
    target = await createPostgresDatabase();
    client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(SEED);
    const admin = await h.user("admin");
    for (const [name, environment] of [[staging, "staging"], [production, "production"], [denied, "production"]]) {
      await registerResource(h.database.prisma, cfg, { name, environment, connectionUrl: target.url }, { type: "user", id: admin.id });
    }
    await savePolicy(
      h.database.prisma,
      [{ id: "frozen", match: { resources: [denied] }, effect: { type: "deny", reason: "Frozen for the audit" } }, ...DEFAULT_POLICY_RULES],
      { type: "user", id: admin.id },
    );
  });
  afterAll(async () => {
    await client?.end();
    await target?.drop();
    await h?.close();
  });

  const runSql = (key: string, name: string, body: unknown) =>
    h.call(sqlRoute.POST, "POST", `/api/v1/resources/${encodeURIComponent(name)}/sql`, { key, body, params: { name: encodeURIComponent(name) } });

  it("does not measure a request policy denies", async () => {
    const agent = await h.agent({ environments: ["production"] });
    const res = await runSql(agent.key, denied, { sql: "DELETE FROM t WHERE id > 5" });
    expect(res.body.request).toMatchObject({ status: "denied", reason: "Frozen for the audit" });
    const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id: res.body.request.id } });
    expect(row.plannedEffect).toBeNull();
  });

  it("does not measure a request policy allows at once", async () => {
    const agent = await h.agent({ environments: ["staging"] });
    const res = await runSql(agent.key, staging, { sql: "SELECT id FROM t WHERE id = 1" });
    expect(res.body.request.status).toBe("executed");
    const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id: res.body.request.id } });
    expect(row.plannedEffect).toBeNull();
  });

  it("measures a pending request before reviewers and Slack see it, and keeps it from the agent", async () => {
    const agent = await h.agent({ environments: ["production"] });
    const res = await runSql(agent.key, production, { sql: "DELETE FROM t WHERE id > 5" });
    expect(res.status).toBe(202);
    expect(res.body.request.status).toBe("pending");
    expect(JSON.stringify(res.body)).not.toMatch(/15 of 20|plannedEffect/);
    const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id: res.body.request.id } });
    expect((row.plannedEffect as { summary: string }).summary).toMatch(/^Deletes 15 of 20 rows in `public\.t`/);
    const slack = await h.database.prisma.notificationDelivery.findFirstOrThrow({ where: { requestId: row.id, kind: "request.pending" } });
    expect(JSON.stringify(slack.payload)).toContain("Deletes 15 of 20 rows");
  });
});
