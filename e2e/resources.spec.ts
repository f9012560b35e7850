// Resources in the browser: an admin registers a database whose connection URL is write-only;
// people who are not admins can neither see the page nor run its actions; and a reviewer reads
// Countersign's own measurement of an agent's DELETE on a real PostgreSQL database.
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import type { Page } from "@playwright/test";
import { expect, fillSignIn, signInAt, test, unique } from "./fixtures";
import { ADMIN, PASSWORD, USERS, e2eState } from "./state";
import { cleanEnv, runCli } from "../test/app-server";

// Test-run settings, as in test/databases.ts: under CI the PostgreSQL parts must run.
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
if ((process.env.CI === "true" || process.env.CI === "1") && !TEST_DATABASE_URL) {
  throw new Error("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL e2e tests must run in CI.");
}

const cli = (args: string[], stdin?: string) => runCli(args, cleanEnv({ COUNTERSIGN_DATA_DIR: e2eState().dataDir, LOG_LEVEL: "silent" }), stdin);

/**
 * Every response body the page receives from now on (pages, server-action answers, RSC payloads).
 * Each response is fetched through the route and kept before the page gets it: a body read back
 * from the browser afterwards can already be gone, and the checks below would pass on nothing.
 */
async function recordResponses(page: Page): Promise<() => string> {
  const bodies: string[] = [];
  await page.route("**/*", async (route) => {
    const response = await route.fetch();
    bodies.push(await response.text());
    await route.fulfill({ response });
  });
  return () => bodies.join("\n");
}

async function registerThroughPage(page: Page, input: { name: string; environment: string; url: string; description?: string }) {
  const form = page.getByRole("region", { name: "Register resource" });
  await form.getByLabel("Name").fill(input.name);
  await form.getByLabel("Environment").selectOption(input.environment);
  await form.getByLabel("Connection URL").fill(input.url);
  if (input.description) await form.getByLabel("Description").fill(input.description);
  await form.getByRole("button", { name: "Register resource" }).click();
  return form;
}

test("an admin registers, rotates and removes a resource; its connection URL never comes back", async ({ page }) => {
  const name = unique("pg/orders");
  const secret = `e2e-${randomBytes(6).toString("hex")}`;
  const host = `db-${randomBytes(3).toString("hex")}.internal`;
  const responses = await recordResponses(page);
  await signInAt(page, ADMIN, "/resources");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Resources" })).toHaveAttribute("aria-current", "page");

  const form = page.getByRole("region", { name: "Register resource" });
  const urlInput = form.getByLabel("Connection URL");
  await expect(urlInput).toHaveAttribute("type", "password");
  await expect(urlInput).toHaveAttribute("autocomplete", "off");

  await registerThroughPage(page, { name, environment: "production", url: `postgresql://app:${secret}@${host}:5432/orders`, description: "Orders database" });
  await expect(form.getByRole("status")).toHaveText(`Resource ${name} registered in production. Its connection URL is stored encrypted and will not be shown again.`);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("production");
  await expect(row).toContainText("postgres");
  await expect(row).toContainText("Orders database");
  await expect(urlInput).toHaveValue("");

  // Readable refusals: a name taken, a URL that is not PostgreSQL's.
  await registerThroughPage(page, { name, environment: "staging", url: `postgresql://app:${secret}@${host}/other` });
  await expect(form.getByRole("alert")).toHaveText(`A resource named ${name} already exists.`);
  await registerThroughPage(page, { name: unique("pg/bad"), environment: "staging", url: `mysql://app:${secret}@${host}/orders` });
  await expect(form.getByRole("alert")).toContainText("connectionUrl: must be a postgres:// or postgresql:// URL with a host");

  // Replacing the URL is write-only too.
  await row.getByLabel(`New connection URL for ${name}`).fill(`postgresql://app:rotated-${secret}@${host}:5432/orders`);
  await row.getByRole("button", { name: `Replace connection URL of ${name}` }).click();
  await expect(row.getByRole("status")).toHaveText(`Connection URL of ${name} replaced.`);

  const received = responses();
  expect(received).toContain("will not be shown again");
  await page.reload();
  for (const text of [await page.content(), received]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(host);
  }

  // The audit log has each change, and no URL.
  await page.goto("/audit?type=resource.");
  const events = page.getByRole("list", { name: "Audit events" });
  await expect(events).toContainText("resource.registered");
  await expect(events).toContainText("resource.connection_updated");
  expect(await page.content()).not.toContain(secret);

  await page.goto("/resources");
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: `Remove resource ${name}` }).click();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
  expect((await cli(["resource", "list", "--json"])).stdout).not.toContain(`"${name}"`);
});

test("approvers and viewers cannot see the page, and its actions refuse anyone who is no longer an admin", async ({ page, browser, baseURL }) => {
  for (const user of [USERS.viewer, USERS.alice]) {
    const context = await browser.newContext({ baseURL });
    const theirs = await context.newPage();
    await signInAt(theirs, user, "/resources");
    await expect(theirs.getByRole("alert").filter({ hasText: "This page needs the admin role" })).toBeVisible();
    await expect(theirs.getByRole("region", { name: "Register resource" })).toHaveCount(0);
    await expect(theirs.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Resources" })).toHaveCount(0);
    await context.close();
  }

  // An admin opens the page; meanwhile they are made an approver. The form still on their screen
  // calls the server action, which checks the role itself.
  const email = `${unique("demoted")}@e2e.example`;
  expect((await cli(["user", "add", "--email", email, "--role", "admin"], `${PASSWORD}\n`)).code).toBe(0);
  await page.goto("/signin?callbackUrl=%2Fresources");
  await fillSignIn(page, { email, name: "Demoted", role: "admin" });
  await page.waitForURL((url) => url.pathname === "/resources");
  expect((await cli(["user", "role", "--email", email, "--role", "approver"])).code).toBe(0);
  const name = unique("pg/forbidden");
  const form = await registerThroughPage(page, { name, environment: "staging", url: "postgresql://app:pw@db.internal/x" });
  await expect(form.getByRole("alert")).toHaveText("This needs the admin role; you are an approver.");
  expect((await cli(["resource", "list", "--json"])).stdout).not.toContain(`"${name}"`);
});

test("the reviewer reads Countersign's measurement of an agent's DELETE beside the exact SQL", async ({ page, browser, baseURL, agent }, testInfo) => {
  test.skip(!TEST_DATABASE_URL, "needs TEST_DATABASE_URL (a PostgreSQL server for the scratch resource)");
  const database = `countersign_e2e_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  const target = new pg.Client({ connectionString: url.toString() });
  try {
    await target.connect();
    await target.query(`
      CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
      INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 37) g;
      CREATE VIEW customer_emails AS SELECT email FROM customers;
      ANALYZE customers;
    `);

    const name = unique("pg/scratch");
    await signInAt(page, ADMIN, "/resources");
    const form = await registerThroughPage(page, { name, environment: "staging", url: url.toString(), description: "Scratch database" });
    await expect(form.getByRole("status")).toContainText(`Resource ${name} registered in staging.`);

    const asked = await agent.call("POST", `/api/v1/resources/${encodeURIComponent(name)}/sql`, { sql: "DELETE FROM customers", summary: "Clear the test customers (3 rows, about 1.2 GB)" });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body.request).toMatchObject({ status: "pending", environment: "staging", resource: name });
    // The measurement is for reviewers: the agent's answer does not carry it.
    expect(asked.body.request).not.toHaveProperty("plannedEffect");

    const reviewer = await browser.newContext({ baseURL });
    const review = await reviewer.newPage();
    await signInAt(review, USERS.alice, `/requests/${asked.body.request.id}`);
    const effect = review.getByRole("region", { name: "Planned effect" });
    await expect(effect).toContainText("Measured by Countersign — read-only");
    await expect(effect).toContainText(/Deletes 37 of 37 rows in public\.customers \([\d.]+ kB\); 1 view depends on it\./);
    await expect(effect.getByText("public.customers", { exact: true })).toHaveJSProperty("tagName", "CODE");
    // First in the page: the line that runs, the measurement, and where the agent's figures differ.
    const header = review.locator("article > header");
    await expect(header.getByRole("heading", { level: 1 })).toHaveText("DELETE FROM customers");
    await expect(header).toContainText("Measured by Countersign — read-only");
    const claims = header.getByRole("alert").filter({ hasText: "differ from Countersign's measurement" });
    await expect(claims).toContainText("The agent says 3 rows; Countersign measured 37 rows.");
    await expect(claims).toContainText(/The agent says 1\.2 GB; Countersign measured [\d.]+ kB\./);
    await expect(effect).not.toContainText("Agent-supplied");
    await expect(effect.getByLabel("Measurement details")).toBeHidden();
    await effect.getByText("Details: per-table counts, dependants and the query plan").click();
    await expect(effect.getByLabel("Measurement details")).toContainText("plan (EXPLAIN, not ANALYZE)");
    await expect(effect.getByLabel("Measurement details")).toContainText("Delete on customers");
    await expect(review.getByLabel("SQL to run")).toContainText("DELETE FROM customers");
    // The README shows this page (written to docs/screenshots with UPDATE_SCREENSHOTS=1, as in screenshots.spec.ts).
    const shots = process.env.UPDATE_SCREENSHOTS === "1" ? path.resolve(import.meta.dirname, "..", "docs", "screenshots") : testInfo.outputPath();
    await review.screenshot({ path: path.join(shots, "request-planned-effect.png"), fullPage: true });
    // The measurement is not the agent's planned change: that panel is for what the agent wrote.
    await expect(review.getByRole("region", { name: "Agent's planned change (claimed)" })).toHaveCount(0);
    await reviewer.close();

    const { rows } = await target.query("SELECT count(*)::int AS n FROM customers");
    expect(rows[0].n).toBe(37);
  } finally {
    await target.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
});
