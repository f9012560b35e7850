// The PostgreSQL wire-protocol proxy end to end: real clients (node-postgres, psql, Prisma)
// connect to a real proxy on a free loopback port; a scratch PostgreSQL database plays the
// registered resource; reviewers decide through decideRequest, as the dashboard does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../db/generated/client";
import { DATABASE_KINDS, createPostgresDatabase } from "../../../test/databases";
import { createHarness, type Harness } from "../../../test/api-harness";
import { decideRequest } from "../../../test/decide";
import { registerResource } from "../../resources";
import { failureCount } from "../../auth/failures";
import { startPgProxy, type PgProxy } from "./server";
import type { PgProxyConfig } from "../../env";

const SEED = `
  CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, born date, score numeric(6,2), tags text[], meta jsonb, seen timestamptz);
  INSERT INTO customers VALUES
    (1, 'Ada', '1815-12-10', 99.50, '{math,engines}', '{"vip": true}', '2026-01-02 03:04:05.678+00'),
    (2, 'Grace', '1906-12-09', NULL, '{}', NULL, NULL),
    (3, 'O''Brien', NULL, -1.25, '{"a b",NULL}', '[1, 2]', '1999-12-31 23:59:59+00');
  CREATE TABLE notes (id serial PRIMARY KEY, body text);
`;

type Notice = { message?: string; severity?: string; code?: string };
const rand = () => Math.random().toString(36).slice(2, 8);

describe.runIf(DATABASE_KINDS.includes("postgres"))("PostgreSQL wire-protocol proxy", () => {
  let h: Harness;
  let target: { url: string; drop(): Promise<void> };
  let direct: pg.Client;
  let proxy: PgProxy;
  let agent: { id: string; key: string };
  const production = `postgres/prod-${rand()}`;
  const staging = `postgres/staging-${rand()}`;
  const settings: PgProxyConfig = { port: 0, host: "127.0.0.1", tls: undefined, waitSeconds: 30, maxRows: 50 };

  const url = (resource: string, key = agent.key, port = proxy.port) => `postgresql://agent:${encodeURIComponent(key)}@127.0.0.1:${port}/${encodeURIComponent(resource)}`;
  const connect = async (resource: string, key?: string, port?: number) => {
    const client = new pg.Client({ connectionString: url(resource, key, port) });
    client.on("error", () => undefined);
    await client.connect();
    return client;
  };
  const tableExists = async (table: string) => (await direct.query("SELECT to_regclass($1) IS NOT NULL AS present", [table])).rows[0].present as boolean;
  const requestIdIn = (text: string) => /\/requests\/([0-9a-f-]{36})/.exec(text)?.[1];
  const until = async <T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> => {
    for (let i = 0; i < 200; i++) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const approve = async (requestId: string, resource: string, approvers: number) => {
    for (let i = 0; i < approvers; i++) {
      const approver = await h.user("approver");
      await decideRequest(h.database.prisma, h.config, { requestId, reviewerId: approver.id, decision: { decision: "approve", confirmation: resource } });
    }
  };

  beforeAll(async () => {
    h = await createHarness("postgres");
    target = await createPostgresDatabase();
    direct = new pg.Client({ connectionString: target.url });
    await direct.connect();
    await direct.query(SEED);
    const admin = await h.user("admin");
    await registerResource(h.database.prisma, h.config, { name: production, environment: "production", connectionUrl: target.url }, { type: "user", id: admin.id });
    await registerResource(h.database.prisma, h.config, { name: staging, environment: "staging", connectionUrl: target.url }, { type: "user", id: admin.id });
    agent = await h.agent({ environments: ["production", "staging"] });
    proxy = await startPgProxy(h.database, h.config, settings);
  });
  afterAll(async () => {
    await proxy?.close();
    await direct?.end();
    await target?.drop();
    await h?.close();
  });

  it("answers node-postgres reads with the database's own values and types, parameters inlined into the reviewed text", async () => {
    const client = await connect(production);
    try {
      const sql = "SELECT id, name, born, score, tags, meta, seen FROM customers ORDER BY id";
      const [viaProxy, viaDirect] = [await client.query(sql), await direct.query(sql)];
      expect(viaProxy.rows).toEqual(viaDirect.rows);
      expect(viaProxy.fields.map((f) => [f.name, f.dataTypeID])).toEqual(viaDirect.fields.map((f) => [f.name, f.dataTypeID]));
      expect(viaProxy.rowCount).toBe(3);
      // Columns of one name and NULLs come back as sent, in the extended protocol too.
      const same = await client.query({ text: "SELECT 1 AS a, NULL::text AS a, $1::int + 1 AS b", values: ["41"], rowMode: "array" });
      expect(same.rows).toEqual([[1, null, 42]]);

      const byParameter = await client.query("SELECT name FROM customers WHERE id = $1 AND name <> $2", [3, "it's \\ here"]);
      expect(byParameter.rows).toEqual([{ name: "O'Brien" }]);
      const request = await h.database.prisma.request.findFirstOrThrow({ where: { agentId: agent.id }, orderBy: { createdAt: "desc" } });
      expect(request).toMatchObject({ status: "executed", environment: "production" });
      expect((request.operation as { sql: string }).sql).toBe(String.raw`SELECT name FROM customers WHERE id = ('3') AND name <> (E'it''s \\ here')`);
    } finally {
      await client.end();
    }
  });

  it("holds a DROP TABLE on production until two approvers countersign, then drops it once", async () => {
    await direct.query("CREATE TABLE doomed (id int)");
    const client = await connect(production);
    const notices: Notice[] = [];
    client.on("notice", (n) => notices.push(n));
    try {
      const dropping = client.query("DROP TABLE doomed");
      const notice = await until(() => notices.find((n) => n.message?.includes("/requests/")), "the review notice");
      expect(notice.message).toMatch(/needs 2 approvals \(risk critical\)\. Review it at http:\/\/countersign\.test\/requests\/[0-9a-f-]{36}$/);
      const id = requestIdIn(notice.message!)!;
      await new Promise((r) => setTimeout(r, 200));
      expect(await tableExists("doomed")).toBe(true);
      await approve(id, production, 1);
      expect(await tableExists("doomed")).toBe(true);
      await approve(id, production, 1);
      expect((await dropping).command).toBe("DROP");
      expect(await tableExists("doomed")).toBe(false);
      expect(await h.database.prisma.request.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "executed" });
    } finally {
      await client.end();
    }
  });

  it("answers a denial with SQLSTATE 42501 and the reviewer's reason, and the connection goes on", async () => {
    const client = await connect(production);
    const notices: Notice[] = [];
    client.on("notice", (n) => notices.push(n));
    try {
      const dropping = client.query("DROP TABLE customers").catch((e: pg.DatabaseError) => e);
      const notice = await until(() => notices.find((n) => n.message?.includes("/requests/")), "the review notice");
      const reviewer = await h.user("approver");
      await decideRequest(h.database.prisma, h.config, { requestId: requestIdIn(notice.message!)!, reviewerId: reviewer.id, decision: { decision: "deny", reason: "Not during the freeze" } });
      const error = (await dropping) as pg.DatabaseError;
      expect(error).toMatchObject({ code: "42501", message: "Countersign denied this statement: Not during the freeze. Nothing ran." });
      expect(await tableExists("customers")).toBe(true);
      expect((await client.query("SELECT count(*)::int AS n FROM customers")).rows).toEqual([{ n: 3 }]);
    } finally {
      await client.end();
    }
  });

  it("withdraws a statement nobody decided in time (57014), and the connection goes on", async () => {
    const impatient = await startPgProxy(h.database, h.config, { ...settings, waitSeconds: 1 });
    const client = await connect(production, agent.key, impatient.port);
    try {
      const error = (await client.query("TRUNCATE notes").catch((e: pg.DatabaseError) => e)) as pg.DatabaseError;
      expect(error).toMatchObject({ code: "57014", message: "Countersign: no decision within 1 s; the request was withdrawn. Nothing ran." });
      const id = requestIdIn(error.detail ?? "")!;
      expect(await h.database.prisma.request.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "cancelled" });
      expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
      await impatient.close();
    }
  });

  it("refuses what it cannot honour across queries, and says why", async () => {
    const client = await connect(staging);
    const notices: Notice[] = [];
    client.on("notice", (n) => notices.push(n));
    const refusal = (sql: string) => client.query(sql).then(() => null, (e: pg.DatabaseError) => ({ code: e.code, message: e.message }));
    try {
      expect(await refusal("BEGIN")).toMatchObject({ code: "0A000", message: expect.stringContaining("a transaction cannot stay open across queries") });
      expect(await refusal("BEGIN; INSERT INTO notes (body) VALUES ('x')")).toMatchObject({ code: "0A000" });
      expect(await refusal("SET search_path = elsewhere")).toMatchObject({ code: "0A000", message: expect.stringContaining("session state does not carry over") });
      expect(await refusal("COPY notes FROM STDIN")).toMatchObject({ code: "0A000" });
      expect(await refusal("SELECT generate_series(1, 51)")).toMatchObject({ code: "54000", message: expect.stringContaining("more than 50 rows") });
      // A whole transaction in one query runs as one request, atomically.
      const batch = await client.query("BEGIN; INSERT INTO notes (body) VALUES ('one'), ('two'); SELECT count(*)::int AS n FROM notes; COMMIT");
      expect((batch as unknown as pg.QueryResult[]).map((r) => r.command)).toEqual(["BEGIN", "INSERT", "SELECT", "COMMIT"]);
      expect((batch as unknown as pg.QueryResult[])[2].rows).toEqual([{ n: 2 }]);
      // Alone, COMMIT and ROLLBACK answer as PostgreSQL does outside a transaction; client-side settings are kept.
      expect((await client.query("ROLLBACK")).command).toBe("ROLLBACK");
      expect(notices.map((n) => [n.severity, n.code, n.message])).toContainEqual(["WARNING", "25P01", "there is no transaction in progress"]);
      expect((await client.query("SET application_name = 'reporting'")).command).toBe("SET");
      expect((await client.query("")).command).toBeNull();
      expect((await client.query("SELECT count(*)::int AS n FROM notes")).rows).toEqual([{ n: 2 }]);
    } finally {
      await client.end();
    }
  });

  it("refuses a bad key (28P01, counted), a key without the scope (42501) and a database that is no resource of the agent (3D000)", async () => {
    const connectError = (connectionString: string) => {
      const client = new pg.Client({ connectionString });
      client.on("error", () => undefined);
      return client.connect().then(
        async () => {
          await client.end();
          return null;
        },
        (e: pg.DatabaseError) => ({ code: e.code, message: e.message }),
      );
    };
    const before = await failureCount(h.database.prisma, "127.0.0.1", "api_key");
    expect(await connectError(url(production, "csk_not_a_real_key"))).toEqual({ code: "28P01", message: 'password authentication failed for user "agent"' });
    expect(await failureCount(h.database.prisma, "127.0.0.1", "api_key")).toBe(before + 1);
    const reader = await h.agent({ scopes: ["requests:read"] });
    expect(await connectError(url(production, reader.key))).toMatchObject({ code: "42501" });
    expect(await connectError(url("postgres/nowhere"))).toEqual({ code: "3D000", message: 'database "postgres/nowhere" does not exist' });
    const stagingOnly = await h.agent({ environments: ["staging"] });
    expect(await connectError(url(production, stagingOnly.key))).toMatchObject({ code: "3D000" });
  });

  it("takes the key in clear text only from this machine: from elsewhere it needs TLS", async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === "IPv4")?.address;
    const dir = mkdtempSync(path.join(os.tmpdir(), "cs-pg-tls-"));
    const [certPath, keyPath] = [path.join(dir, "cert.pem"), path.join(dir, "key.pem")];
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
    const plain = await startPgProxy(h.database, h.config, { ...settings, host: "0.0.0.0" });
    const tls = await startPgProxy(h.database, h.config, { ...settings, host: "0.0.0.0", tls: { certPath, keyPath } });
    const attempt = async (host: string, port: number, ssl: boolean) => {
      const client = new pg.Client({ host, port, user: "agent", password: agent.key, database: production, ssl: ssl ? { rejectUnauthorized: false } : false });
      client.on("error", () => undefined);
      try {
        await client.connect();
        const { rows } = await client.query("SELECT 1 AS one");
        await client.end();
        return rows;
      } catch (error) {
        return (error as pg.DatabaseError).code;
      }
    };
    try {
      expect(await attempt("127.0.0.1", tls.port, true)).toEqual([{ one: 1 }]);
      expect(await attempt("127.0.0.1", tls.port, false)).toEqual([{ one: 1 }]);
      if (external) {
        expect(await attempt(external, plain.port, false)).toBe("28000");
        expect(await attempt(external, tls.port, false)).toBe("28000");
        expect(await attempt(external, tls.port, true)).toEqual([{ one: 1 }]);
      }
    } finally {
      await plain.close();
      await tls.close();
    }
  });

  it("serves psql: rows printed, the review link shown while a statement waits, Ctrl+C withdraws it", async () => {
    await direct.query("CREATE TABLE psql_doomed (id int)");
    const psql = (sql: string) =>
      spawn("psql", [`host=127.0.0.1 port=${proxy.port} user=agent dbname=${staging}`, "-X", "-v", "ON_ERROR_STOP=1", "-c", sql], {
        env: { PATH: process.env.PATH, PGPASSWORD: agent.key, PGCONNECT_TIMEOUT: "10" } as unknown as NodeJS.ProcessEnv,
      });
    const run = (sql: string, onStderr?: (text: string, child: ReturnType<typeof psql>) => void) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = psql(sql);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => {
          stderr += d;
          onStderr?.(stderr, child);
        });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const read = await run("SELECT id, name FROM customers ORDER BY id");
    expect(read).toMatchObject({ code: 0 });
    expect(read.stdout).toMatch(/^\s*id \|\s+name\s*\n-+\+-+\n\s+1 \| Ada\s*\n\s+2 \| Grace\s*\n\s+3 \| O'Brien\s*\n\(3 rows\)/);

    let approving: Promise<void> | undefined;
    const drop = await run("DROP TABLE psql_doomed", (stderr) => {
      const id = requestIdIn(stderr);
      if (id && !approving) approving = approve(id, staging, 1);
    });
    await approving;
    expect(drop.stderr).toMatch(/NOTICE: {2}Countersign: this statement needs 1 approval \(risk critical\)\. Review it at http:\/\/countersign\.test\/requests\//);
    expect(drop).toMatchObject({ code: 0 });
    expect(drop.stdout.trim()).toBe("DROP TABLE");
    expect(await tableExists("psql_doomed")).toBe(false);

    // Ctrl+C while it waits: psql sends a CancelRequest, and the request is withdrawn.
    let interrupted = false;
    const cancelled = await run("TRUNCATE customers", (stderr, child) => {
      if (requestIdIn(stderr) && !interrupted) interrupted = child.kill("SIGINT");
    });
    expect(cancelled.stderr).toMatch(/ERROR: {2}canceling statement due to user request: the Countersign request was withdrawn\. Nothing ran\./);
    const id = requestIdIn(cancelled.stderr)!;
    expect(await h.database.prisma.request.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "cancelled" });
    expect((await direct.query("SELECT count(*)::int AS n FROM customers")).rows).toEqual([{ n: 3 }]);
  });

  it("serves Prisma through @prisma/adapter-pg with the URL an ORM is given", async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url(production) }) });
    try {
      const rows = await prisma.$queryRawUnsafe<Array<{ id: number; name: string; score: unknown }>>("SELECT id, name, score FROM customers WHERE id <= $1 ORDER BY id", 2);
      expect(rows.map((r) => [r.id, r.name])).toEqual([
        [1, "Ada"],
        [2, "Grace"],
      ]);
      expect(String(rows[0].score)).toBe("99.5");
      const [{ version }] = await prisma.$queryRaw<Array<{ version: string }>>`SELECT version()`;
      expect(version).toMatch(/^PostgreSQL /);
    } finally {
      await prisma.$disconnect();
    }
  });
});
