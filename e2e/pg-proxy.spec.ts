// A PostgreSQL client connected through Countersign's wire-protocol proxy sends DROP TABLE to a
// production resource: the statement waits while two reviewers approve in the browser, typing the
// resource's name, and only then is the table dropped.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { expect, test, unique } from "./fixtures";
import { pageWithPasskey } from "./passkeys";
import { USERS, e2eState } from "./state";
import { cleanEnv, runCli } from "../test/app-server";

// Test-run settings, as in test/databases.ts: under CI the PostgreSQL parts must run.
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
if ((process.env.CI === "true" || process.env.CI === "1") && !TEST_DATABASE_URL) {
  throw new Error("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL e2e tests must run in CI.");
}

test("DROP TABLE through the PostgreSQL proxy runs only once two reviewers approve in the browser", async ({ browser, baseURL, agent }) => {
  test.skip(!TEST_DATABASE_URL, "needs TEST_DATABASE_URL (a PostgreSQL server for the scratch resource)");
  const database = `countersign_e2e_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  const direct = new pg.Client({ connectionString: url.toString() });
  let client: pg.Client | undefined;
  try {
    await direct.connect();
    await direct.query("CREATE TABLE ledger (id int PRIMARY KEY); INSERT INTO ledger SELECT generate_series(1, 5)");
    const ledgerExists = async () => (await direct.query("SELECT to_regclass('ledger') IS NOT NULL AS present")).rows[0].present as boolean;
    const resource = unique("postgres/ledger");
    const added = await runCli(["resource", "add", `--name=${resource}`, "--environment=production"], cleanEnv({ COUNTERSIGN_DATA_DIR: e2eState().dataDir, LOG_LEVEL: "silent" }), url.toString());
    expect(added.code, added.stderr).toBe(0);

    // The agent's key is the password, the resource's name the database.
    client = new pg.Client({ host: "127.0.0.1", port: e2eState().pgProxyPort, user: "deploy-bot", password: agent.key, database: resource });
    const notices: string[] = [];
    client.on("notice", (n) => notices.push(n.message ?? ""));
    await client.connect();
    expect((await client.query("SELECT count(*)::int AS n FROM ledger")).rows).toEqual([{ n: 5 }]);

    const dropping = client.query("DROP TABLE ledger");
    await expect.poll(() => notices.join("\n")).toMatch(/needs 2 approvals .*Review it at http:\/\/localhost:\d+\/requests\/[0-9a-f-]{36}/);
    const reviewUrl = /Review it at (\S+)/.exec(notices.join("\n"))![1];
    const requestId = reviewUrl.split("/").pop()!;

    for (const [i, reviewer] of [USERS.alice, USERS.bob].entries()) {
      // Production critical: each approval needs the approver's passkey (the default policy).
      const page = await pageWithPasskey(browser, baseURL!, reviewer, new URL(reviewUrl).pathname);
      const context = page.context();
      await expect(page.getByLabel("SQL to run")).toContainText("DROP TABLE ledger");
      await page.getByLabel(/^Type/).fill(resource);
      await page.getByRole("button", { name: "Approve" }).click();
      await expect.poll(async () => (await agent.get(requestId)).body.approvals).toBe(i + 1);
      if (i === 0) expect(await ledgerExists()).toBe(true);
      await context.close();
    }

    expect((await dropping).command).toBe("DROP");
    expect(await ledgerExists()).toBe(false);
    expect((await agent.get(requestId)).body).toMatchObject({ status: "executed", outcome: { status: "executed" } });
  } finally {
    await client?.end().catch(() => undefined);
    await direct.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
});
