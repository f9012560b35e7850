// The April 2026 incident, replayed through Countersign. A coding agent fixing a staging problem
// turned on production: it dropped the database and deleted the volume's backups through the
// cloud provider's API, in seconds, asking no one. Here the same agent works through Countersign's
// MCP endpoint (the official MCP client over Streamable HTTP) against the running app on real
// PostgreSQL, with a production-like database registered as a resource in `production`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { DATABASE_KINDS } from "./databases";
import { callTool, startMcpFixture, type McpFixture } from "./mcp-fixture";
import { decideRequest } from "../lib/requests";
import { registerResource } from "../lib/resources";
import { verifyAuditChain } from "../lib/audit";

const SEED = `
  CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL);
  CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total_cents int NOT NULL, placed_at timestamptz NOT NULL);
  CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id), pdf_key text NOT NULL);
  INSERT INTO customers SELECT g, 'customer' || g || '@example.com', timestamptz '2025-01-01' + g * interval '1 hour' FROM generate_series(1, 2000) g;
  INSERT INTO orders SELECT g, 1 + g % 2000, 100 + (g * 37) % 90000, timestamptz '2025-02-01' + g * interval '7 minutes' FROM generate_series(1, 8000) g;
  INSERT INTO invoices SELECT g, g, 'invoices/' || g || '.pdf' FROM generate_series(1, 8000) g;
  CREATE VIEW revenue AS SELECT date_trunc('month', placed_at) AS month, sum(total_cents) AS cents FROM orders GROUP BY 1;
`;

// Railway's public GraphQL API, as the provider's own CLI calls it.
const RAILWAY = "https://backboard.railway.com/graphql/v2";
const DELETE_BACKUP = "mutation backupDelete($backupId: String!, $volumeInstanceId: String!) { volumeInstanceBackupDelete(volumeInstanceBackupId: $backupId, volumeInstanceId: $volumeInstanceId) }";
const DELETE_VOLUME = "mutation volumeDelete($volumeId: String!) { volumeDelete(volumeId: $volumeId) }";

describe.runIf(DATABASE_KINDS.includes("postgres"))("incident replay: an agent tries to drop production and delete its backups", () => {
  let f: McpFixture;
  let agent: Client;
  let agentId: string;
  let databaseName: string;
  let reviewer: string;
  const resource = "railway/production-postgres";
  const reasoning = "The staging deploy fails on a credential mismatch. I found an API token in a file; deleting and recreating the database volume should reset the credentials.";

  beforeAll(async () => {
    f = await startMcpFixture(SEED);
    databaseName = new URL(f.target.url).pathname.slice(1);
    await registerResource(f.database.prisma, f.config, { name: resource, environment: "production", connectionUrl: f.target.url, description: "The production database" }, { type: "system" });
    const created = await f.agent({ environments: ["staging", "production"] });
    agentId = created.id;
    agent = await f.connect("http", created.key);
    reviewer = await f.reviewer();
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  /** What an operator checks after an incident: does the database exist, and is every row still there. */
  const production = async () => {
    const exists = await f.target.client.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName]);
    const { rows } = await f.target.client.query(`
      SELECT (SELECT count(*) FROM customers)::int AS customers,
             (SELECT count(*) FROM orders)::int AS orders,
             (SELECT count(*) FROM invoices)::int AS invoices,
             (SELECT md5(string_agg(c::text, ',' ORDER BY c.id)) FROM customers c) ||
             (SELECT md5(string_agg(o::text, ',' ORDER BY o.id)) FROM orders o) ||
             (SELECT md5(string_agg(i::text, ',' ORDER BY i.id)) FROM invoices i) AS checksum,
             (SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v')) AS relations`);
    return { databaseExists: exists.rowCount === 1, ...rows[0] };
  };

  it("holds the drop for people, refuses the backup deletion, brings the denial back, and records every step", async () => {
    const untouched = await production();
    expect(untouched).toMatchObject({ databaseExists: true, customers: 2000, orders: 8000, invoices: 8000, relations: "customers,invoices,orders,revenue" });
    const start = await f.database.prisma.auditEvent.aggregate({ _max: { seq: true } });

    // The agent looks around and finds production.
    const listed = await callTool(agent, "list_resources");
    expect(listed.data.resources).toEqual([{ name: resource, environment: "production", kind: "postgres", description: "The production database" }]);

    // 1. It tries to drop the production database. Nothing runs: two people must approve first.
    const drop = await callTool(agent, "run_sql", { resource, sql: `DROP DATABASE ${databaseName} WITH (FORCE);`, summary: "Reset the database to fix credentials", reasoning });
    expect(drop.isError).toBeFalsy();
    expect(drop.data.request).toMatchObject({ status: "pending", environment: "production", requiredApprovals: 2, risk: { level: "critical" } });
    expect(drop.data.request.risk.findings.map((x: { id: string }) => x.id)).toContain("sql.drop_database");
    expect(drop.text).toContain(`Review page: ${f.publicUrl}/requests/${drop.data.request.id}`);

    // 2. It tries another way to the same end. Also held.
    const schema = await callTool(agent, "run_sql", { resource, sql: "DROP SCHEMA public CASCADE;", reasoning });
    expect(schema.data.request).toMatchObject({ status: "pending", requiredApprovals: 2, risk: { level: "critical" } });

    // 3. Through the cloud provider's API: the volume itself waits for people…
    const volume = await callTool(agent, "request_approval", {
      operation: { kind: "http", target: { environment: "production", resource: "railway/postgres-volume" }, method: "POST", url: RAILWAY, body: { query: DELETE_VOLUME, variables: { volumeId: "vol_prod_1" } } },
      summary: "Delete the database volume",
      reasoning,
    });
    expect(volume.data.request).toMatchObject({ status: "pending", kind: "http", requiredApprovals: 2, risk: { level: "critical" } });

    // …and its backups are refused at once by the default policy, with the reason.
    const backups = await callTool(agent, "request_approval", {
      operation: { kind: "http", target: { environment: "production", resource: "railway/postgres-volume" }, method: "POST", url: RAILWAY, body: { query: DELETE_BACKUP, variables: { backupId: "bak_nightly", volumeInstanceId: "vi_prod_1" } } },
      summary: "Delete the volume backups",
      reasoning,
    });
    expect(backups.isError).toBeFalsy();
    expect(backups.data.request).toMatchObject({
      status: "denied",
      policy: { ruleId: "deny-backup-destruction" },
      reason: "Deleting or disabling backups, snapshots or point-in-time recovery is never allowed to agents",
    });
    expect(backups.data.request.risk.findings.map((x: { id: string }) => x.id)).toContain("backup.delete_backup");
    expect(backups.text).toMatch(/^Denied\. Nothing ran\. Reason: "Deleting or disabling backups, snapshots or point-in-time recovery is never allowed to agents"/);

    // While the requests are pending nothing has been dropped, however long the agent waits.
    const waited = await callTool(agent, "check_request", { id: drop.data.request.id, waitSeconds: 2 });
    expect(waited.data.request.status).toBe("pending");
    expect(await production()).toEqual(untouched);

    // 4. A reviewer reads the request and denies it, with a reason; the agent learns why.
    const why = "Never drop production to fix a staging credential. Rotate the staging password instead.";
    const checking = callTool(agent, "check_request", { id: drop.data.request.id, waitSeconds: 30 });
    await new Promise((r) => setTimeout(r, 300));
    await decideRequest(f.database.prisma, f.config, { requestId: drop.data.request.id, reviewerId: reviewer, decision: { decision: "deny", reason: why } });
    const denied = await checking;
    expect(denied.isError).toBeFalsy();
    expect(denied.data.request).toMatchObject({ status: "denied", reason: why });
    expect(denied.text).toContain(`Denied. Nothing ran. Reason: ${JSON.stringify(why)}`);
    expect(denied.text).toMatch(/Do not retry the same operation or work around the decision/);

    // A denied request cannot be run after all.
    const again = await callTool(agent, "check_request", { id: drop.data.request.id, waitSeconds: 0 });
    expect(again.data.request.status).toBe("denied");
    expect(await production()).toEqual(untouched);

    // 5. Every step is in the audit log, in order, and the hash chain verifies.
    const label = new Map([
      [drop.data.request.id, "drop database"],
      [schema.data.request.id, "drop schema"],
      [volume.data.request.id, "delete volume"],
      [backups.data.request.id, "delete backups"],
    ]);
    const events = await f.database.prisma.auditEvent.findMany({ where: { seq: { gt: start._max.seq ?? 0n } }, orderBy: { seq: "asc" } });
    const steps = events.map((e) => [label.get(e.subjectId ?? "") ?? "-", e.type, e.type === "policy.decided" ? (e.data as { effect: string }).effect : (e.actorType as string)]);
    expect(steps).toEqual([
      ["drop database", "request.created", "agent"],
      ["drop database", "policy.decided", "require_approval"],
      ["drop schema", "request.created", "agent"],
      ["drop schema", "policy.decided", "require_approval"],
      ["delete volume", "request.created", "agent"],
      ["delete volume", "policy.decided", "require_approval"],
      ["delete backups", "request.created", "agent"],
      ["delete backups", "policy.decided", "deny"],
      ["drop database", "review.denied", "user"],
      ["drop database", "request.denied", "user"],
    ]);
    expect(events.every((e) => e.actorType !== "agent" || e.actorId === agentId)).toBe(true);
    const created = events.find((e) => e.subjectId === drop.data.request.id && e.type === "request.created")!;
    expect(created.data).toMatchObject({ environment: "production", tier: "production", resource, risk: "critical", findings: ["sql.drop_database"], builtInExecutor: true });
    const chain = await verifyAuditChain(f.database.prisma);
    expect(chain).toMatchObject({ ok: true });
  });
});
