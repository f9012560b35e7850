// A runaway loop's fifty single-row DELETEs reach the inbox as one group: how many, the one
// statement they share, and what Countersign measured they delete together. A reviewer opens it,
// then denies them all with one reason; every request is denied and a waiting agent hears at once.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { expect, signInAt, test, unique } from "./fixtures";
import { callAction, sessionCookie } from "./server-actions";
import { USERS, e2eState } from "./state";
import { cleanEnv, runCli } from "../test/app-server";

// A real PostgreSQL database is the resource Countersign measures, as in resources.spec.ts.
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/test";
const BURST = 50;

test("fifty single-row DELETEs are one group row with their count and combined effect, and Deny all denies every one with one reason", async ({ page, browser, baseURL, agent }) => {
  test.setTimeout(240_000);
  const database = `countersign_e2e_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  const target = new pg.Client({ connectionString: url.toString() });
  try {
    await target.connect();
    await target.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
      INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g;
      ANALYZE items;`);
    const resource = unique("pg/items");
    const added = await runCli(["resource", "add", "--name", resource, "--environment", "production"], cleanEnv({ COUNTERSIGN_DATA_DIR: e2eState().dataDir, LOG_LEVEL: "silent" }), url.toString());
    expect(added.code, added.stderr).toBe(0);

    // The loop: fifty DELETEs of one row each, ten at a time, through the built-in executor (which measures each).
    const ids: string[] = [];
    for (let batch = 0; batch < BURST / 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const n = batch * 10 + i + 1;
          return agent.call("POST", `/api/v1/resources/${encodeURIComponent(resource)}/sql`, { sql: `DELETE FROM items WHERE id = ${n};`, summary: `Remove stale item ${n}` });
        }),
      );
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(202);
        expect(answer.body.request.status).toBe("pending");
        ids.push(answer.body.request.id);
      }
    }

    // The inbox, for this agent: one group row, no row per request.
    await signInAt(page, USERS.alice, `/?agent=${agent.name}`);
    const waiting = page.getByRole("region", { name: /Waiting for review/ });
    const group = waiting.getByRole("listitem", { name: `Group of ${BURST} requests from ${agent.name}` });
    await expect(group).toBeVisible();
    await expect(waiting.getByRole("listitem", { name: /^Group of/ })).toHaveCount(1);
    await expect(waiting.getByRole("link")).toHaveCount(0);
    await expect(group).toContainText(`${BURST} requests from ${agent.name} on ${resource}`);
    await expect(group).toContainText("All alike: DELETE FROM items WHERE id = $1;");
    // The combined measurement, its table name shown as code rather than between backticks.
    await expect(group).toContainText(`Together: deletes ${BURST} rows in public.items (all ${BURST} measured).`);
    await expect(group.locator("code").filter({ hasText: "public.items" })).toBeVisible();
    await expect(group).not.toContainText("`");
    await expect(group).toContainText("Approving is one by one");

    // Opened, it lists the fifty: each leads with its statement and the measurement; the agent's words come second, labelled.
    await group.getByRole("button", { name: "Review one by one" }).click();
    const members = group.getByRole("list", { name: "Requests in this group" }).getByRole("link");
    await expect(members).toHaveCount(BURST);
    const first = group.getByRole("link", { name: /DELETE FROM items WHERE id = 1;/ });
    await expect(first).toContainText("Deletes 1 of 200 rows in public.items");
    await expect(first).toContainText("Agent says: Remove stale item 1");

    // A forged cross-site post of the same action denies nothing.
    const aliceCookie = await sessionCookie(browser, baseURL!, USERS.alice);
    const forged = await callAction(baseURL!, {
      page: "/",
      action: "denyBurstAction",
      cookie: aliceCookie,
      origin: null,
      fields: { agentId: "00000000-0000-4000-8000-000000000000", environment: "production", resource, kind: "sql", firstAt: new Date(0).toISOString(), lastAt: new Date().toISOString(), reason: "forged" },
    });
    expect(forged.text).toContain("cross-site requests are refused");
    expect((await agent.get(ids[0]!)).body.status).toBe("pending");

    // The agent waits on one of them.
    const waiter = agent.get(ids[BURST - 1]!, 60);

    const reason = `A loop is deleting items one at a time ${unique("stop")}`;
    await group.getByRole("button", { name: "Deny all…" }).click();
    await group.getByLabel(`Reason for denying all ${BURST} requests`).fill(reason);
    await group.getByRole("button", { name: `Deny all ${BURST}` }).click();
    await expect(page.getByRole("status").filter({ hasText: `Denied ${BURST} requests; the agent has been told.` })).toBeVisible({ timeout: 60_000 });
    await expect(waiting.getByRole("listitem", { name: /^Group of/ })).toHaveCount(0);

    const woken = await waiter;
    expect(woken.status).toBe(200);
    expect(woken.body).toMatchObject({ status: "denied", reason });
    const states = await Promise.all(ids.map((id) => agent.get(id)));
    expect(states.map((s) => [s.body.status, s.body.reason])).toEqual(ids.map(() => ["denied", reason]));
    // Nothing ran.
    expect((await target.query("SELECT count(*)::int AS n FROM items")).rows[0].n).toBe(200);
  } finally {
    await target.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
});
