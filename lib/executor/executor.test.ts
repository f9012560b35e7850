// The built-in SQL executor against real PostgreSQL: a scratch database plays the registered
// resource; Countersign's own database is the embedded one. The dry run must leave the target
// byte-for-byte unchanged; approved statements run once; the connection URL never leaks.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import pg from "pg";
import { DATABASE_KINDS, createPostgresDatabase } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import * as resourcesRoute from "../../app/api/v1/resources/route";
import * as sqlRoute from "../../app/api/v1/resources/[name]/sql/route";
import * as executeRoute from "../../app/api/v1/requests/[id]/execute/route";
import * as requestsRoute from "../../app/api/v1/requests/route";
import * as requestRoute from "../../app/api/v1/requests/[id]/route";
import * as redeemRoute from "../../app/api/v1/grants/redeem/route";
import { setConfig } from "../env";
import { decideRequest } from "../../test/decide";
import { registerResource, listResources, removeResource, resourceConnection, updateResourceConnection } from "../resources";
import { dryRunSql } from "./dry-run";
import { executeSql } from "./execute";
import { runSqlOnResource } from "./run-sql";

const SEED = `
  CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text);
  INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 12) g;
  CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers(id), total numeric);
  CREATE VIEW customer_names AS SELECT id, name FROM customers;
  CREATE VIEW big_customers AS SELECT c.id FROM customers c WHERE c.id > 10;
  ANALYZE customers;
`;

describe.runIf(DATABASE_KINDS.includes("postgres"))("built-in SQL executor on PostgreSQL", () => {
  describe.each(DATABASE_KINDS)("with Countersign on the %s database", (kind) => {
    let h: Harness;
    let target: { url: string; drop(): Promise<void> };
    let client: pg.Client;
    const responses: unknown[] = [];
    const logLines: string[] = [];
    const staging = `staging-db-${Math.random().toString(36).slice(2, 8)}`;
    const production = `prod-db-${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      h = await createHarness(kind);
      setConfig({ ...h.config, logLevel: "debug" });
      const write = process.stdout.write.bind(process.stdout);
      vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
        logLines.push(String(chunk));
        return write(chunk as never, ...(rest as []));
      });
      target = await createPostgresDatabase();
      client = new pg.Client({ connectionString: target.url });
      await client.connect();
      await client.query(SEED);
      const admin = await h.user("admin");
      await registerResource(h.database.prisma, h.config, { name: staging, environment: "staging", connectionUrl: target.url, description: "scratch" }, { type: "user", id: admin.id });
      await registerResource(h.database.prisma, h.config, { name: production, environment: "production", connectionUrl: target.url }, { type: "user", id: admin.id });
    });
    afterAll(async () => {
      vi.restoreAllMocks();
      await client?.end();
      await target?.drop();
      await h?.close();
    });

    const fingerprint = async () => {
      const { rows } = await client.query(
        `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM orders)::int AS orders,
                (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM customers t) AS checksum,
                (SELECT count(*) FROM pg_class WHERE relname IN ('customers', 'orders', 'customer_names', 'big_customers'))::int AS relations`,
      );
      return rows[0];
    };

    const execute = async (key: string, id: string, body?: unknown) => {
      const res = await h.call(executeRoute.POST, "POST", `/api/v1/requests/${id}/execute`, { key, body, params: { id } });
      responses.push(res.body);
      return res;
    };

    const runSql = async (key: string, name: string, body: unknown) => {
      const res = await h.call(sqlRoute.POST, "POST", `/api/v1/resources/${encodeURIComponent(name)}/sql`, { key, body, params: { name: encodeURIComponent(name) } });
      responses.push(res.body);
      return res;
    };

    it("measures a DELETE without changing a byte, counting the statement's own WHERE", async () => {
      const before = await fingerprint();
      const dryRun = await dryRunSql(target.url, "DELETE FROM customers WHERE id > 5");
      expect(await fingerprint()).toEqual(before);
      expect(dryRun.statements[0].tables[0]).toMatchObject({
        action: "delete",
        table: "public.customers",
        totalRows: 12,
        affectedRows: 7,
        estimatedRows: 12,
        dependentViews: ["public.big_customers", "public.customer_names"],
        referencingTables: ["public.orders"],
      });
      expect(dryRun.sentence).toMatch(/^Deletes 7 of 12 rows in `public\.customers` \([\d.]+ kB\); 2 views depend on it; 1 table references it\.$/);
      expect(dryRun.details).toContain("plan (EXPLAIN, not ANALYZE)");
      expect(dryRun.details).toMatch(/Delete on customers/);
    });

    it.each([
      ["DROP TABLE customers CASCADE", /^Drops `public\.customers` \([\d.]+ kB\) with 12 rows; 2 views depend on it/],
      ["TRUNCATE customers, orders", /^Empties `public\.customers` .*: all 12 rows.* Empties `public\.orders` .*: all 0 rows/],
      ["UPDATE customers c SET name = 'x' FROM orders o WHERE o.customer_id = c.id", /^Updates 0 of 12 rows in `public\.customers`/],
      ["DELETE FROM customers WHERE id IN (SELECT id FROM customers WHERE id <= 3); DELETE FROM orders", /^Deletes 3 of 12 rows .* Deletes 0 of 0 rows in `public\.orders`/],
      ["DELETE FROM customers WHERE pg_sleep(10) IS NULL", /^Deletes an uncounted number of the 12 rows in `public\.customers`/],
      ["DROP TABLE nope", /^Drops "nope", which does not exist\.$/],
    ])("dry-runs %s read-only", async (sql, sentence) => {
      const before = await fingerprint();
      const dryRun = await dryRunSql(target.url, sql);
      expect(await fingerprint()).toEqual(before);
      expect(dryRun.sentence).toMatch(sentence);
    });

    it("runs an allowed SELECT through the API and returns its rows, capped", async () => {
      const agent = await h.agent({ environments: ["staging"] });
      const res = await runSql(agent.key, staging, { sql: "SELECT id, name FROM customers ORDER BY id", summary: "List customers" });
      expect(res.status).toBe(200);
      expect(res.body.request).toMatchObject({ status: "executed", environment: "staging", resource: staging, kind: "sql" });
      expect(res.body.result).toMatchObject({ status: "executed", commands: ["SELECT 12"], fields: ["id", "name"], rowCount: 12, truncated: false });
      expect(res.body.result.rows[0]).toEqual({ id: 1, name: "customer 1" });

      const capped = await runSqlOnResource(h.database, h.config, await caller(agent), { resource: staging, sql: "SELECT id FROM customers", maxRows: 5 });
      expect(capped.result).toMatchObject({ status: "executed", truncated: true });
      expect((capped.result as { rows: unknown[] }).rows).toHaveLength(5);
    });

    it("caps a huge SELECT through a cursor, without reading it all", async () => {
      const started = Date.now();
      const result = await executeSql(target.url, "SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 2000000) g", { maxRows: 1000 });
      expect(result.rows).toHaveLength(1000);
      expect(result.truncated).toBe(true);
      expect(result.rows[999]).toEqual({ g: 1000, pad: "x".repeat(100) });
      expect(result.fields).toEqual(["g", "pad"]);
      // Loading two million rows of 100 bytes before slicing takes far longer than this here.
      expect(Date.now() - started).toBeLessThan(3_000);

      const whole = await executeSql(target.url, "SELECT g FROM generate_series(1, 3) g", { maxRows: 3 });
      expect(whole).toMatchObject({ commands: ["SELECT 3"], rowCount: 3, truncated: false, rows: [{ g: 1 }, { g: 2 }, { g: 3 }] });
    });

    it("runs a batch that starts with a SELECT once, as one transaction, capping its last answer", async () => {
      await client.query("CREATE TABLE IF NOT EXISTS batch_runs (n int)");
      await client.query("TRUNCATE batch_runs");
      const result = await executeSql(target.url, "SELECT 1 AS one; INSERT INTO batch_runs VALUES (1); SELECT g FROM generate_series(1, 5) g", { maxRows: 2 });
      expect(result.commands).toEqual(["SELECT 1", "INSERT 1", "SELECT 5"]);
      expect(result).toMatchObject({ rows: [{ g: 1 }, { g: 2 }], truncated: true });
      expect((await client.query("SELECT count(*)::int AS n FROM batch_runs")).rows[0].n).toBe(1);
    });

    it.each([
      ["removed and registered again under the same name", "reregistered"],
      ["given another connection URL", "rekeyed"],
    ])("refuses to run an approved statement on a resource %s after the request was made", async (_label, scenario) => {
      const admin = await h.user("admin");
      const approver = await h.user("approver");
      const name = `rebound-${Math.random().toString(36).slice(2, 8)}`;
      await registerResource(h.database.prisma, h.config, { name, environment: "production", connectionUrl: target.url }, { type: "user", id: admin.id });
      const agent = await h.agent({ environments: ["production"] });
      const created = await runSql(agent.key, name, { sql: "DELETE FROM customers WHERE id = 4" });
      expect(created.status).toBe(202);
      const id = created.body.request.id;
      const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id } });
      expect(row.resourceId).toBe((await h.database.prisma.resource.findUniqueOrThrow({ where: { name } })).id);
      await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "approve", confirmation: name } });
      if (scenario === "reregistered") {
        await removeResource(h.database.prisma, name, { type: "user", id: admin.id });
        await registerResource(h.database.prisma, h.config, { name, environment: "production", connectionUrl: target.url }, { type: "user", id: admin.id });
      } else {
        const moved = new URL(target.url);
        moved.searchParams.set("application_name", "moved");
        await updateResourceConnection(h.database.prisma, h.config, name, moved.toString(), { type: "user", id: admin.id });
      }
      const before = await fingerprint();
      const res = await execute(agent.key, id);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe("resource_not_registered");
      expect(res.body.detail).toMatch(/registered again or its connection changed after this request was made\. Nothing ran/);
      expect(await fingerprint()).toEqual(before);
      const grant = await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: id } });
      expect(grant.redeemedAt).toBeNull();
    });

    it("refuses to run a statement approved while the agent waited if the resource was re-keyed meanwhile", async () => {
      const admin = await h.user("admin");
      const approver = await h.user("approver");
      const name = `rekeyed-wait-${Math.random().toString(36).slice(2, 8)}`;
      await registerResource(h.database.prisma, h.config, { name, environment: "production", connectionUrl: target.url }, { type: "user", id: admin.id });
      const agent = await h.agent({ environments: ["production"] });
      const before = await fingerprint();
      // Its refusal is caught at once: it can come before the test's own await of decideRequest returns.
      const running = runSqlOnResource(h.database, h.config, await caller(agent), { resource: name, sql: "DELETE FROM customers WHERE id = 3", waitSeconds: 20 }).then(
        () => null,
        (error: unknown) => error,
      );
      let pending;
      for (let i = 0; i < 100 && !pending; i++) {
        await new Promise((r) => setTimeout(r, 100));
        pending = await h.database.prisma.request.findFirst({ where: { agentId: agent.id, status: "pending" } });
      }
      expect(pending).toBeTruthy();
      const moved = new URL(target.url);
      moved.searchParams.set("application_name", "moved");
      await updateResourceConnection(h.database.prisma, h.config, name, moved.toString(), { type: "user", id: admin.id });
      await decideRequest(h.database.prisma, h.config, { requestId: pending!.id, reviewerId: approver.id, decision: { decision: "approve", confirmation: name } });
      expect(await running).toMatchObject({ code: "resource_not_registered" });
      expect(await fingerprint()).toEqual(before);
      expect((await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: pending!.id } })).redeemedAt).toBeNull();
    });

    it("holds a DROP TABLE pending with its measured effect, and drops nothing", async () => {
      const agent = await h.agent({ environments: ["staging"] });
      const before = await fingerprint();
      const res = await runSql(agent.key, staging, { sql: "DROP TABLE customers CASCADE;", wait: 1 });
      expect(res.status).toBe(202);
      expect(res.body.request).toMatchObject({ status: "pending", environment: "staging", resource: staging, requiredApprovals: 1 });
      // Measured for the reviewers, stored with the request; the agent's answer does not carry it.
      expect(res.body.request).not.toHaveProperty("plannedEffect");
      const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id: res.body.request.id } });
      expect((row.plannedEffect as { summary: string }).summary).toMatch(/^Drops `public\.customers` \([\d.]+ kB\) with 12 rows; 2 views depend on it/);
      expect(res.body.result).toBeUndefined();
      expect(await fingerprint()).toEqual(before);
    });

    it("records the measured sentence as Countersign's planned effect, leaving the agent's diff empty", async () => {
      // Medium risk: approval needed in production (in staging policy would let it run at once).
      const agent = await h.agent({ environments: ["production"] });
      const res = await runSql(agent.key, production, { sql: "DELETE FROM customers WHERE id > 5", summary: "Prune test customers" });
      expect(res.status).toBe(202);
      const row = await h.database.prisma.request.findUniqueOrThrow({ where: { id: res.body.request.id } });
      expect(row.diff).toBeNull();
      expect(row.summary).toBe("Prune test customers");
      const effect = row.plannedEffect as { summary: string; details: string };
      expect(effect.summary).toMatch(/^Deletes 7 of 12 rows in `public\.customers` \([\d.]+ kB\); 2 views depend on it; 1 table references it\.$/);
      expect(effect.details).toContain("Measured read-only (READ ONLY transaction, rolled back)");
      expect(effect.details).toMatch(/plan \(EXPLAIN, not ANALYZE\):\n\s+Delete on customers/);
      expect(res.body.request).not.toHaveProperty("plannedEffect");
      expect(JSON.stringify(res.body)).not.toMatch(/Deletes 7 of 12/);

      // An agent that may not target the environment gets no measurement: the resource answers as
      // a missing one would.
      const outsider = await h.agent({ environments: ["staging"] });
      const refused = await runSql(outsider.key, production, { sql: "DELETE FROM customers" });
      expect(refused.status).toBe(404);
      expect(JSON.stringify(refused.body)).not.toMatch(/rows|customers/);
    });

    it("takes the environment from the registration, never from the agent", async () => {
      // The agent names only the resource; its registration puts it in production, which this
      // agent may not target, so for this agent it does not exist — and the refusal is audited.
      const agent = await h.agent({ environments: ["staging"] });
      const res = await runSql(agent.key, production, { sql: "SELECT 1" });
      expect(res.status).toBe(404);
      expect(await h.database.prisma.request.count({ where: { agentId: agent.id } })).toBe(0);
      const refusals = await h.database.prisma.auditEvent.findMany({ where: { type: "request.refused", actorId: agent.id } });
      expect(refusals.map((e) => (e.data as { resource: string }).resource)).toEqual([production]);
      const missing = await runSql(agent.key, "no-such-resource", { sql: "SELECT 1" });
      expect(missing.status).toBe(404);
    });

    it("runs an approved statement exactly once after people approve", async () => {
      const agent = await h.agent({ environments: ["production"] });
      const approver = await h.user("approver");
      const before = await fingerprint();
      const running = runSqlOnResource(h.database, h.config, await caller(agent), { resource: production, sql: "DELETE FROM customers WHERE id > 10", waitSeconds: 20 });
      let pending;
      for (let i = 0; i < 100 && !pending; i++) {
        await new Promise((r) => setTimeout(r, 100));
        pending = await h.database.prisma.request.findFirst({ where: { agentId: agent.id, status: "pending" } });
      }
      expect(pending).toBeTruthy();
      expect(await fingerprint()).toEqual(before);
      await decideRequest(h.database.prisma, h.config, { requestId: pending!.id, reviewerId: approver.id, decision: { decision: "approve", confirmation: production } });
      const outcome = await running;
      responses.push(outcome);
      expect(outcome.request.status).toBe("executed");
      expect(outcome.result).toMatchObject({ status: "executed", commands: ["DELETE 2"] });
      expect((await fingerprint()).customers).toBe(10);
      const grant = await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: pending!.id } });
      expect(grant.redeemedAt).not.toBeNull();
    });

    it("runs a statement approved after the agent stopped waiting, once, whoever asks twice at the same time", async () => {
      const agent = await h.agent({ environments: ["production"] });
      const approver = await h.user("approver");
      const before = await fingerprint();
      const created = await runSql(agent.key, production, { sql: "DELETE FROM customers WHERE id = 10", summary: "Remove the test customer" });
      expect(created.status).toBe(202);
      const id = created.body.request.id;
      const early = await execute(agent.key, id);
      expect(early.status).toBe(202);
      expect(early.body).toEqual({ request: expect.objectContaining({ id, status: "pending" }) });
      expect(await fingerprint()).toEqual(before);

      await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "approve" } });
      const [a, b] = await Promise.all([execute(agent.key, id), execute(agent.key, id)]);
      const ran = [a, b].filter((r) => r.status === 200);
      const refused = [a, b].filter((r) => r.status !== 200);
      expect(ran).toHaveLength(1);
      expect(ran[0].body.request).toMatchObject({ id, status: "executed" });
      expect(ran[0].body.result).toMatchObject({ status: "executed", commands: ["DELETE 1"] });
      expect(refused[0].status).toBe(409);
      expect(refused[0].body.code).toMatch(/^(grant_already_redeemed|request_already_decided)$/);
      expect((await fingerprint()).customers).toBe(before.customers - 1);

      const again = await execute(agent.key, id);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: "grant_already_redeemed", detail: expect.stringMatching(/already ran \(executed\)/) });
      const events = await h.database.prisma.auditEvent.findMany({ where: { subjectId: id }, orderBy: { seq: "asc" } });
      expect(events.filter((e) => e.type === "grant.redeemed")).toHaveLength(1);
      expect(events.filter((e) => e.type === "request.outcome")).toHaveLength(1);
    });

    it("keeps the grant of a statement it runs to itself: no token for the agent, no redemption by anyone else", async () => {
      const agent = await h.agent({ environments: ["production"] });
      const executor = await h.agent({ environments: ["production"], scopes: ["grants:redeem"] });
      const approver = await h.user("approver");
      const sql = "UPDATE customers SET name = 'renamed' WHERE id = 8";
      const created = await runSql(agent.key, production, { sql });
      expect(created.status).toBe(202);
      const id = created.body.request.id;
      await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "approve" } });

      const view = await h.call(requestRoute.GET, "GET", `/api/v1/requests/${id}`, { key: agent.key, params: { id } });
      expect(view.body).toMatchObject({ status: "approved", grant: { expiresAt: expect.any(String) } });
      expect(view.body.grant.token).toBeUndefined();

      // Even with the token in hand (read here from the database), neither the agent nor an
      // executor key may spend it: only Countersign's executor runs this statement.
      const { token } = await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: id } });
      const operation = { kind: "sql", target: { environment: "production", resource: production }, sql };
      for (const key of [agent.key, executor.key]) {
        const res = await h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key, body: { token, operation } });
        expect(res.status).toBe(403);
        expect(res.body.detail).toContain(`/api/v1/requests/${id}/execute`);
      }
      expect((await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: id } })).redeemedAt).toBeNull();

      const ran = await execute(agent.key, id);
      expect(ran.status).toBe(200);
      expect(ran.body.result).toMatchObject({ status: "executed", commands: ["UPDATE 1"] });
    });

    it("answers for a resource outside the agent's patterns exactly as for a missing one", async () => {
      const stagingOnly = await h.agent({ environments: ["staging"] });
      const otherResources = await h.agent({ environments: ["production"], resources: ["postgres/*"] });
      const missing = await runSql(stagingOnly.key, `no-such-${production}`, { sql: "SELECT 1" });
      expect(missing.status).toBe(404);
      for (const key of [stagingOnly.key, otherResources.key]) {
        const hidden = await runSql(key, production, { sql: "SELECT 1" });
        expect(hidden.status).toBe(404);
        expect(hidden.body).toEqual({ ...missing.body, instance: hidden.body.instance });
      }
    });

    it("waits for people when asked to, then runs the statement", async () => {
      const agent = await h.agent({ environments: ["production"] });
      const approver = await h.user("approver");
      const created = await runSql(agent.key, production, { sql: "UPDATE customers SET email = NULL WHERE id = 9" });
      const id = created.body.request.id;
      const waiting = execute(agent.key, id, { wait: 20 });
      await new Promise((r) => setTimeout(r, 300));
      await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "approve" } });
      const res = await waiting;
      expect(res.status).toBe(200);
      expect(res.body.result).toMatchObject({ status: "executed", commands: ["UPDATE 1"] });
    });

    it.each([
      ["a request made through POST /api/v1/requests", "rest", 409, "not_executable"],
      ["a denied request", "denied", 409, "request_already_decided"],
      ["a request whose resource was removed", "unregistered", 409, "resource_not_registered"],
      ["another agent's request", "other", 404, "not_found"],
      ["a request id that is not a UUID", "garbage", 404, "not_found"],
    ])("refuses %s with a clear problem, running nothing", async (_label, scenario, status, code) => {
      const agent = await h.agent({ environments: ["production", "staging"] });
      const approver = await h.user("approver");
      const before = await fingerprint();
      let id: string;
      if (scenario === "rest") {
        const operation = { kind: "sql", target: { environment: "staging", resource: staging }, sql: "SELECT 1" };
        const res = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation, diff: { format: "text", content: "Reads only" } } });
        expect(res.body.status).toBe("approved");
        id = res.body.id;
      } else if (scenario === "garbage") {
        id = "not-a-uuid";
      } else {
        const name = scenario === "unregistered" ? `gone-${Math.random().toString(36).slice(2, 8)}` : production;
        if (scenario === "unregistered") {
          const admin = await h.user("admin");
          await registerResource(h.database.prisma, h.config, { name, environment: "production", connectionUrl: target.url }, { type: "user", id: admin.id });
        }
        const owner = scenario === "other" ? await h.agent({ environments: ["production"] }) : agent;
        const created = await runSql(owner.key, name, { sql: "DELETE FROM customers WHERE id = 5" });
        id = created.body.request.id;
        if (scenario === "denied") {
          await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "deny", reason: "Not during the freeze" } });
        } else {
          await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "approve", confirmation: name } });
        }
        if (scenario === "unregistered") await h.database.prisma.resource.delete({ where: { name } });
      }
      const res = await execute(agent.key, id);
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.body.code).toBe(code);
      if (scenario === "denied") expect(res.body.detail).toBe("The request is denied: Not during the freeze. Nothing ran.");
      expect(await fingerprint()).toEqual(before);
    });

    it("refuses a bad wait with a 422 naming the field", async () => {
      const agent = await h.agent({ environments: ["production"] });
      const created = await runSql(agent.key, production, { sql: "DELETE FROM customers WHERE id = 1" });
      const res = await execute(agent.key, created.body.request.id, { wait: 61 });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: "wait" })]);
    });

    it("lists resources without their connection URLs and never leaks the URL anywhere", async () => {
      // Its own traffic first, so it stands alone: an allowed read, a statement that fails, and a
      // write run after approval, each through the API.
      const runner = await h.agent({ environments: ["staging", "production"] });
      const approver = await h.user("approver");
      expect((await runSql(runner.key, staging, { sql: "SELECT count(*) FROM customers" })).body.result).toMatchObject({ status: "executed" });
      expect((await runSql(runner.key, staging, { sql: "SELECT * FROM no_such_table" })).body.result).toMatchObject({ status: "failed" });
      const pending = await runSql(runner.key, production, { sql: "UPDATE customers SET email = email WHERE id = 1" });
      await decideRequest(h.database.prisma, h.config, { requestId: pending.body.request.id, reviewerId: approver.id, decision: { decision: "approve" } });
      expect((await execute(runner.key, pending.body.request.id)).body.result).toMatchObject({ status: "executed", commands: ["UPDATE 1"] });

      const agent = await h.agent();
      const list = await h.call(resourcesRoute.GET, "GET", "/api/v1/resources", { key: agent.key });
      responses.push(list.body);
      expect(list.status).toBe(200);
      expect(list.body.resources).toEqual(
        expect.arrayContaining([{ name: staging, environment: "staging", kind: "postgres", description: "scratch" }]),
      );
      // Only resources in environments the agent may target are listed.
      const stagingOnly = await h.agent({ environments: ["staging"] });
      const narrow = await h.call(resourcesRoute.GET, "GET", "/api/v1/resources", { key: stagingOnly.key });
      expect(narrow.body.resources.map((r: { name: string }) => r.name)).toContain(staging);
      expect(narrow.body.resources.map((r: { name: string }) => r.name)).not.toContain(production);
      expect(await listResources(h.database.prisma)).not.toHaveProperty("0.connectionUrlEnc");
      expect((await resourceConnection(h.database.prisma, h.config, staging)).connectionUrl).toBe(target.url);

      const secretParts = [target.url, new URL(target.url).pathname.slice(1)];
      const password = new URL(target.url).password;
      if (password) secretParts.push(decodeURIComponent(password));
      const audit = await h.database.prisma.auditEvent.findMany();
      expect(audit.some((e) => e.type === "resource.registered")).toBe(true);
      const requests = await h.database.prisma.request.findMany();
      const stored = await h.database.prisma.resource.findMany();
      const haystacks = {
        responses: JSON.stringify(responses),
        audit: JSON.stringify(audit, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
        requests: JSON.stringify(requests),
        logs: logLines.join(""),
        storedEnvelope: stored.map((r) => r.connectionUrlEnc).join(),
      };
      for (const [where, text] of Object.entries(haystacks)) {
        for (const secret of secretParts) expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
      }
    });

    async function caller(agent: { id: string; keyId: string }) {
      const prisma = h.database.prisma;
      return {
        agent: await prisma.agent.findUniqueOrThrow({ where: { id: agent.id } }),
        key: await prisma.agentKey.findUniqueOrThrow({ where: { id: agent.keyId } }),
      } as never;
    }
  });
});
