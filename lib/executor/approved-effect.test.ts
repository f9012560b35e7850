// What people approve is the measured effect, not only the text: rewording a delete cannot lower
// the quorum, and the built-in executor rolls back a batch that changes more rows than were
// approved (effect_changed) or refuses one whose tables changed definition (precondition_failed).
// Countersign on the embedded database; the resource is real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { DATABASE_KINDS, createPostgresDatabase } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import * as sqlRoute from "../../app/api/v1/resources/[name]/sql/route";
import * as executeRoute from "../../app/api/v1/requests/[id]/execute/route";
import { setConfig } from "../env";
import { decideRequest } from "../../test/decide";
import { registerResource } from "../resources";
import { DEFAULT_POLICY_RULES } from "../policy";
import { savePolicy } from "../policy/store";
import { DEFAULT_MEASUREMENT_POLICY } from "../policy/measurement";
import { readPlannedEffect } from "../requests/planned-effect";
import { getRequestDetail } from "../dashboard/request-detail";

const SEED = `
  CREATE TABLE accounts (id int PRIMARY KEY, plan text NOT NULL);
  INSERT INTO accounts SELECT g, 'free' FROM generate_series(1, 2000) g;
  CREATE TABLE orders (id int PRIMARY KEY, account_id int NOT NULL REFERENCES accounts ON DELETE CASCADE, total int NOT NULL);
  INSERT INTO orders SELECT g, (g % 2000) + 1, g FROM generate_series(1, 4000) g;
  CREATE TABLE events (id serial PRIMARY KEY, kind text NOT NULL);
  INSERT INTO events (kind) SELECT CASE WHEN g <= 30 THEN 'old' ELSE 'new' END FROM generate_series(1, 2000) g;
  CREATE TABLE log (id serial PRIMARY KEY, note text);
  CREATE FUNCTION public.cleanup_old() RETURNS int LANGUAGE sql AS 'DELETE FROM log RETURNING 1';
  ANALYZE;
`;

describe.runIf(DATABASE_KINDS.includes("postgres"))("the approval covers the measured effect", () => {
  let h: Harness;
  let target: { url: string; drop(): Promise<void> };
  let client: pg.Client;
  let approvers: Array<{ id: string }>;
  const suffix = Math.random().toString(36).slice(2, 8);
  const production = `orders-prod-${suffix}`;
  const staging = `orders-staging-${suffix}`;

  beforeAll(async () => {
    h = await createHarness("embedded");
    const cfg = { ...h.config, slackWebhookUrl: "https://hooks.slack.test/services/T000/B000/XXXX" };
    setConfig(cfg);
    h.config = cfg;
    target = await createPostgresDatabase();
    client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(SEED);
    const admin = await h.user("admin");
    approvers = [await h.user("approver"), await h.user("approver")];
    await registerResource(h.database.prisma, cfg, { name: production, environment: "production", connectionUrl: target.url }, { type: "user", id: admin.id });
    await registerResource(h.database.prisma, cfg, { name: staging, environment: "staging", connectionUrl: target.url }, { type: "user", id: admin.id });
  });
  afterAll(async () => {
    await client?.end();
    await target?.drop();
    await h?.close();
  });

  const runSql = (key: string, name: string, sql: string) =>
    h.call(sqlRoute.POST, "POST", `/api/v1/resources/${encodeURIComponent(name)}/sql`, { key, body: { sql }, params: { name: encodeURIComponent(name) } });
  const execute = (key: string, id: string) => h.call(executeRoute.POST, "POST", `/api/v1/requests/${id}/execute`, { key, params: { id } });
  const approve = async (id: string, count: number, confirmation: string) => {
    for (const reviewer of approvers.slice(0, count)) {
      await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: reviewer.id, decision: { decision: "approve", confirmation } });
    }
  };
  const stored = async (id: string) => h.database.prisma.request.findUniqueOrThrow({ where: { id } });
  const count = async (sql: string) => Number(Object.values((await client.query(sql)).rows[0])[0]);

  it.each([
    ["no WHERE at all", "DELETE FROM orders"],
    ["an always-true comparison", "DELETE FROM orders WHERE id > 0"],
    ["IS NOT NULL", "DELETE FROM orders WHERE id IS NOT NULL"],
    ["a USING join", "DELETE FROM orders o USING accounts a WHERE o.account_id = a.id"],
    ["a MERGE that deletes", "MERGE INTO orders o USING accounts a ON o.account_id = a.id WHEN MATCHED THEN DELETE"],
  ])("a delete that reaches every row is critical however it is worded: %s", async (_label, sql) => {
    const agent = await h.agent({ environments: ["production"] });
    const res = await runSql(agent.key, production, sql);
    expect(res.status).toBe(202);
    const row = await stored(res.body.request.id);
    expect(row).toMatchObject({ status: "pending", riskLevel: "critical", requiredApprovals: 2 });
    const ids = (row.findings as Array<{ id: string; message: string }>).map((f) => f.id);
    if (!/^DELETE FROM orders$/.test(sql)) expect(ids).toContain("measured.every_row");
    // The agent learns the measurement raised the risk, never the figures.
    expect(JSON.stringify(res.body)).not.toMatch(/4,000/);
    expect(await count("SELECT count(*) FROM orders")).toBe(4000);
  });

  it("holds a delete that cascades to many rows for people in staging, where the text alone would run at once", async () => {
    const agent = await h.agent({ environments: ["staging"] });
    // 1,200 of 2,000 accounts: 60%, and 2,400 orders with them.
    const res = await runSql(agent.key, staging, "DELETE FROM accounts WHERE id <= 1200");
    expect(res.body.request.status).toBe("pending");
    const row = await stored(res.body.request.id);
    expect(row.riskLevel).toBe("critical");
    const findings = row.findings as Array<{ id: string; message: string }>;
    expect(findings.map((f) => f.message)).toContain("Measured by Countersign: deletes 60% of `public.accounts` (1,200 of 2,000 rows)");
    expect(findings.find((f) => f.id === "measured.many_rows")?.message).toBe("Measured by Countersign: changes 3,600 rows in all, 2,400 of them through foreign keys");
    expect(readPlannedEffect(row.plannedEffect)?.summary).toMatch(/^Deletes 1,200 of 2,000 rows in `public\.accounts` \([\d.]+ kB\), and with them 2,400 rows in `public\.orders` \(ON DELETE CASCADE\)/);
    expect(await count("SELECT count(*) FROM accounts")).toBe(2000);
  });

  it("lets a small measured delete run at once, and holds it to its measurement", async () => {
    const agent = await h.agent({ environments: ["staging"] });
    const res = await runSql(agent.key, staging, "DELETE FROM orders WHERE id = 4000");
    expect(res.body.request.status).toBe("executed");
    expect(res.body.result.commands).toEqual(["DELETE 1"]);
    const effect = readPlannedEffect((await stored(res.body.request.id)).plannedEffect);
    expect(effect?.enforcement?.limits).toEqual([{ table: "public.orders", action: "delete", measured: 1, max: 1 }]);
  });

  it("says on the request page, before approval, what the approval allows", async () => {
    const agent = await h.agent({ environments: ["production"] });
    const res = await runSql(agent.key, production, "DELETE FROM events WHERE kind = 'old' AND id <= 10");
    const detail = await getRequestDetail(h.database.prisma, res.body.request.id);
    expect(detail?.plannedEffect?.enforcement?.limits).toEqual([{ table: "public.events", action: "delete", measured: 10, max: 10 }]);
    const slack = await h.database.prisma.notificationDelivery.findFirstOrThrow({ where: { requestId: res.body.request.id, kind: "request.pending" } });
    expect(JSON.stringify(slack.payload)).toContain("Will not run if it would delete more than 10 rows in `public.events`");
  });

  it("rolls back with effect_changed when rows were added between approval and execution, keeping both figures", async () => {
    const agent = await h.agent({ environments: ["production"] });
    const res = await runSql(agent.key, production, "DELETE FROM events WHERE kind = 'old'");
    const id = res.body.request.id;
    expect(readPlannedEffect((await stored(id)).plannedEffect)?.enforcement?.limits).toEqual([{ table: "public.events", action: "delete", measured: 30, max: 30 }]);
    await approve(id, 1, production);
    await client.query("INSERT INTO events (kind) SELECT 'old' FROM generate_series(1, 5)");
    const ran = await execute(agent.key, id);
    expect(ran.status).toBe(200);
    expect(ran.body.result).toMatchObject({ status: "failed", code: "effect_changed" });
    expect(ran.body.result.error).toBe(
      "Rolled back: the statement would delete 35 rows in `public.events`, where the approval covers at most 30. Nothing changed; ask again so people approve the effect it has now.",
    );
    expect(await count("SELECT count(*) FROM events WHERE kind = 'old'")).toBe(35);
    const row = await stored(id);
    expect(row.status).toBe("failed");
    expect(row.outcomeDetail).toContain("(effect_changed)");
    const grant = await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: id } });
    expect(grant.redeemedAt).not.toBeNull();
    const audit = await h.database.prisma.auditEvent.findFirstOrThrow({ where: { subjectId: id, type: "request.outcome" } });
    expect((audit.data as { evidence: unknown }).evidence).toEqual({
      code: "effect_changed",
      exceeded: [{ table: "public.events", action: "delete", measured: 30, max: 30, actual: 35 }],
    });
    // Running it again is refused: the grant is spent.
    expect((await execute(agent.key, id)).status).toBe(409);
  });

  it("runs when the rows are as measured, and counts rows deleted through cascades against the approval", async () => {
    const agent = await h.agent({ environments: ["production"] });
    const res = await runSql(agent.key, production, "DELETE FROM accounts WHERE id IN (3, 4)");
    const id = res.body.request.id;
    const limits = readPlannedEffect((await stored(id)).plannedEffect)?.enforcement?.limits;
    expect(limits).toEqual([
      { table: "public.accounts", action: "delete", measured: 2, max: 2 },
      { table: "public.orders", action: "delete", measured: 4, max: 4 },
    ]);
    await approve(id, 1, production);
    // A new order for account 3 would be deleted through the cascade: more than approved.
    await client.query("INSERT INTO orders VALUES (9001, 3, 1)");
    const refused = await execute(agent.key, id);
    expect(refused.body.result).toMatchObject({ status: "failed", code: "effect_changed" });
    expect(refused.body.result.error).toMatch(/delete 5 rows in `public\.orders`, where the approval covers at most 4/);
    expect(await count("SELECT count(*) FROM accounts WHERE id IN (3, 4)")).toBe(2);

    const again = await runSql(agent.key, production, "DELETE FROM accounts WHERE id IN (3, 4)");
    await approve(again.body.request.id, 1, production);
    const ran = await execute(agent.key, again.body.request.id);
    expect(ran.body.result).toMatchObject({ status: "executed", commands: ["DELETE 2"] });
    expect(await count("SELECT count(*) FROM orders WHERE account_id IN (3, 4)")).toBe(0);
  });

  it("refuses with precondition_failed when a table's definition changed after measurement", async () => {
    const agent = await h.agent({ environments: ["production"] });
    const res = await runSql(agent.key, production, "DELETE FROM events WHERE id BETWEEN 100 AND 110");
    const id = res.body.request.id;
    await approve(id, 1, production);
    await client.query("ALTER TABLE events ADD COLUMN archived boolean DEFAULT false");
    try {
      const ran = await execute(agent.key, id);
      expect(ran.body.result).toMatchObject({ status: "failed", code: "precondition_failed" });
      expect(ran.body.result.error).toMatch(/^The definition of `public\.events` changed after the effect was measured and approved\. Nothing ran/);
      expect(await count("SELECT count(*) FROM events WHERE id BETWEEN 100 AND 110")).toBe(11);
      expect((await stored(id)).status).toBe("failed");
    } finally {
      await client.query("ALTER TABLE events DROP COLUMN archived");
    }
  });

  it("allows the policy's tolerance", async () => {
    const admin = await h.user("admin");
    await savePolicy(h.database.prisma, DEFAULT_POLICY_RULES, { type: "user", id: admin.id }, "tolerance", null, {
      ...DEFAULT_MEASUREMENT_POLICY,
      tolerance: { rows: 5, share: 0 },
    });
    try {
      const agent = await h.agent({ environments: ["production"] });
      await client.query("INSERT INTO events (kind) SELECT 'stale' FROM generate_series(1, 20)");
      const res = await runSql(agent.key, production, "DELETE FROM events WHERE kind = 'stale'");
      const id = res.body.request.id;
      expect(readPlannedEffect((await stored(id)).plannedEffect)?.enforcement?.limits).toEqual([{ table: "public.events", action: "delete", measured: 20, max: 25 }]);
      await approve(id, 1, production);
      await client.query("INSERT INTO events (kind) SELECT 'stale' FROM generate_series(1, 3)");
      const ran = await execute(agent.key, id);
      expect(ran.body.result).toMatchObject({ status: "executed", commands: ["DELETE 23"] });
    } finally {
      await savePolicy(h.database.prisma, DEFAULT_POLICY_RULES, { type: "user", id: admin.id }, "defaults again");
    }
  });

  it("tells reviewers and Slack that a data-modifying CTE deletes, and that a function is not measured", async () => {
    const agent = await h.agent({ environments: ["production"] });
    for (const [sql, sentence] of [
      ["WITH d AS (DELETE FROM events WHERE id <= 3 RETURNING *) SELECT count(*) FROM d", /^Deletes 3 of [\d,]+ rows in `public\.events`/],
      ["SELECT public.cleanup_old()", /^Not measured: runs code Countersign cannot inspect/],
    ] as const) {
      const res = await runSql(agent.key, production, sql);
      expect(res.body.request.status).toBe("pending");
      const detail = await getRequestDetail(h.database.prisma, res.body.request.id);
      expect(detail?.plannedEffect?.summary).toMatch(sentence);
      const slack = await h.database.prisma.notificationDelivery.findFirstOrThrow({ where: { requestId: res.body.request.id, kind: "request.pending" } });
      const text = JSON.stringify(slack.payload);
      expect(text).not.toContain("Reads only");
      expect(text).toMatch(sql.startsWith("WITH") ? /Deletes 3 of/ : /Not measured: runs code Countersign cannot inspect/);
    }
  });
});
