// Admin pages: agents and keys, users, environments, and the audit log's exports.
import { readFileSync } from "node:fs";
import { AgentApi, expect, fillSignIn, signInAt, sqlOperation, test, unique } from "./fixtures";
import { callAction, sessionCookie } from "./server-actions";
import { ADMIN, PASSWORD, e2eState } from "./state";

test("creating an agent shows its key once, and the key works", async ({ page, baseURL }) => {
  const name = unique("e2e-agent");
  await signInAt(page, ADMIN, "/agents");
  const form = page.getByRole("region", { name: "Create agent" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("staging").check();
  await form.getByLabel("Owner").selectOption({ label: "Alice Approver (alice@e2e.example)" });
  await expect(form.getByLabel(/^Resources/)).toHaveValue("*");
  await form.getByLabel(/^Resources/).fill("pg/*");
  await form.getByRole("button", { name: "Create agent" }).click();
  const key = form.getByLabel("New API key");
  await expect(key).toHaveText(/^csk_[0-9a-f]{16}_/);
  await expect(form.getByText("this is the only time it is shown")).toBeVisible();
  await expect(form.getByRole("button", { name: /Copy key/ })).toBeVisible();
  const plaintext = (await key.textContent())!;

  // The key works for the agent API...
  const res = await fetch(`${baseURL}/api/v1/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${plaintext}`, "content-type": "application/json" },
    body: JSON.stringify({ operation: sqlOperation("SELECT 1;", "pg/app", "staging") }),
  });
  expect(res.status).toBe(201);
  // ...for the resources it was given only.
  const elsewhere = await fetch(`${baseURL}/api/v1/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${plaintext}`, "content-type": "application/json" },
    body: JSON.stringify({ operation: sqlOperation("SELECT 1;", "mysql/app", "staging") }),
  });
  expect(elsewhere.status).toBe(403);

  // ...and is never shown again; its "Last used" now says when.
  await page.reload();
  await expect(page.getByText(plaintext)).toHaveCount(0);
  const agentPanel = page.getByRole("region", { name: new RegExp(name) });
  await expect(agentPanel).toContainText("alice@e2e.example");
  const keyRow = agentPanel.getByRole("row", { name: new RegExp(plaintext.slice(4, 20)) });
  await expect(keyRow.getByRole("cell", { name: plaintext.slice(4, 20), exact: true })).toBeVisible();
  await expect(keyRow.getByRole("cell").nth(3)).toHaveText("just now"); // Last used
  // Its activity: the one request it made, the line that ran first, linked to its page.
  const created = await res.json();
  const activity = agentPanel.getByRole("region", { name: "Recent activity" });
  await expect(activity).toContainText(`1 request: 1 ${created.status}`);
  await expect(activity.getByRole("link", { name: "SELECT 1;" })).toHaveAttribute("href", `/requests/${created.id}`);

  // Disabling the agent stops its keys; enabling it lets them work again.
  const ask = () =>
    fetch(`${baseURL}/api/v1/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${plaintext}`, "content-type": "application/json" },
      body: JSON.stringify({ operation: sqlOperation("SELECT 1;", "pg/app", "staging") }),
    });
  await agentPanel.getByRole("button", { name: `Disable agent ${name}` }).click();
  await expect(agentPanel.getByText("Disabled", { exact: true })).toBeVisible();
  expect((await ask()).status).toBe(403);
  await agentPanel.getByRole("button", { name: `Enable agent ${name}` }).click();
  await expect(agentPanel.getByText("Enabled", { exact: true })).toBeVisible();
  expect((await ask()).status).toBe(201);

  // Revoking the key stops it at once.
  page.once("dialog", (d) => d.accept());
  await agentPanel.getByRole("button", { name: `Revoke key ${plaintext.slice(4, 20)}` }).click();
  await expect(agentPanel.getByRole("cell", { name: "Revoked" })).toBeVisible();
  const refused = await fetch(`${baseURL}/api/v1/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${plaintext}`, "content-type": "application/json" },
    body: JSON.stringify({ operation: sqlOperation("SELECT 1;", "pg/app", "staging") }),
  });
  expect(refused.status).toBe(401);
});

test("an admin edits an agent's environments, resources, scopes, owner and description, and the key obeys at once", async ({ page, baseURL }) => {
  const name = unique("e2e-edit");
  await signInAt(page, ADMIN, "/agents");
  const form = page.getByRole("region", { name: "Create agent" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("staging").check();
  await form.getByLabel("production").check();
  await form.getByRole("button", { name: "Create agent" }).click();
  const key = (await form.getByLabel("New API key").textContent())!;
  const ask = (environment: string, resource = "pg/app") =>
    fetch(`${baseURL}/api/v1/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ operation: sqlOperation("SELECT 1;", resource, environment) }),
    });
  expect((await ask("production")).status).toBe(201);
  expect((await ask("staging", "redis/cache")).status).toBe(201);

  await page.reload();
  const panel = page.getByRole("region", { name: new RegExp(name) });
  await panel.getByText("Edit environments, resources, scopes, owner and description").click();
  const edit = panel.getByRole("form", { name: `Edit agent ${name}` });
  await expect(edit.getByLabel("production")).toBeChecked();
  await edit.getByLabel("production").uncheck();
  await expect(edit.getByLabel(/^Resources/)).toHaveValue("*");
  await edit.getByLabel(/^Resources/).fill("pg/*");
  await edit.getByLabel("Owner").selectOption({ label: "Bob Approver (bob@e2e.example)" });
  await edit.getByLabel("Description").fill("Deploys to staging only");
  await edit.getByLabel(/Redeem grants/).check();
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit.getByRole("status")).toHaveText(`Agent ${name} saved.`);

  // The removed environment is refused from the agent's next call; the rest still works.
  const refused = await ask("production");
  expect(refused.status).toBe(403);
  expect((await refused.json()).type).toMatch(/environment_not_allowed$/);
  expect((await ask("staging")).status).toBe(201);
  const otherResource = await ask("staging", "redis/cache");
  expect(otherResource.status).toBe(403);
  expect((await otherResource.json()).type).toMatch(/resource_not_allowed$/);

  await page.reload();
  await expect(panel).toContainText("bob@e2e.example");
  await expect(panel).toContainText("pg/*");
  await expect(panel).toContainText("Deploys to staging only");
  await expect(panel).toContainText("grants:redeem");
  await page.goto(`/audit?type=agent.updated&subject=${encodeURIComponent(`agent:${name}`)}`);
  await expect(page.getByRole("list", { name: "Audit events" })).toContainText("agent.updated");
});

test("a disabled user is signed out on their next request", async ({ page, browser, baseURL }) => {
  const email = `${unique("temp")}@e2e.example`;
  await signInAt(page, ADMIN, "/users");
  const add = page.getByRole("region", { name: "Add user" });
  await add.getByLabel("Email").fill(email);
  await add.getByLabel("Name").fill("Temp Reviewer");
  await add.getByLabel("Role").selectOption("approver");
  await add.getByLabel("Password").fill(PASSWORD);
  await add.getByRole("button", { name: "Add user" }).click();
  await expect(add.getByText(`${email} added as approver.`)).toBeVisible();

  const theirs = await browser.newContext({ baseURL });
  const theirPage = await theirs.newPage();
  await theirPage.goto("/");
  await fillSignIn(theirPage, { email, name: "Temp Reviewer", role: "approver" });
  await expect(theirPage.getByRole("heading", { name: "Inbox" })).toBeVisible();

  // A role change applies from their next request.
  await page.reload();
  await page.getByLabel(`Role for ${email}`).selectOption("viewer");
  await page.getByRole("button", { name: `Change role of ${email}` }).click();
  await expect(page.getByRole("row", { name: new RegExp(email) }).getByRole("status")).toHaveText("Now viewer.");
  const request = await fetch(`${baseURL}/api/v1/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${e2eState().agentKey}`, "content-type": "application/json" },
    body: JSON.stringify({ operation: sqlOperation("DROP TABLE role_check;", unique("pg/app"), "staging") }),
  });
  await theirPage.goto(`/requests/${(await request.json()).id}`);
  await expect(theirPage.getByText(/deciding it needs the/)).toBeVisible();
  await expect(theirPage.getByRole("button", { name: "Approve" })).toHaveCount(0);

  await page.reload();
  await page.getByRole("button", { name: `Disable ${email}` }).click();
  await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("Disabled");

  // Their next request is either this reload or the page's own live query, which sends a
  // signed-out reviewer to sign-in itself and so may abort the reload: both must land there.
  await theirPage.reload().catch((error: Error) => {
    if (!error.message.includes("ERR_ABORTED")) throw error;
  });
  await expect(theirPage).toHaveURL(/\/signin/);
  await fillSignIn(theirPage, { email, name: "Temp Reviewer", role: "approver" });
  await expect(theirPage.getByRole("alert").filter({ hasText: "do not match an active account" })).toBeVisible();
  await theirs.close();
});

test("an admin adds an environment with its tier", async ({ page }) => {
  const name = unique("eu-prod").replace("_", "-");
  await signInAt(page, ADMIN, "/environments");
  const add = page.getByRole("region", { name: "Add environment" });
  await add.getByLabel("Name").fill(name);
  await add.getByLabel("Tier").selectOption("production");
  await add.getByLabel("Description").fill("Customers in the EU");
  await add.getByRole("button", { name: "Add environment" }).click();
  await expect(add.getByText(`Environment ${name} added (production tier).`)).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Production");

  // Its tier can change later.
  await page.getByLabel(`Tier of ${name}`, { exact: true }).selectOption("other");
  await page.getByRole("button", { name: `Save tier of ${name}` }).click();
  await expect(page.getByRole("row", { name: new RegExp(name) }).getByRole("status")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("row", { name: new RegExp(name) }).getByTitle(`${name}: non-production tier`)).toBeVisible();
  await expect(page.getByLabel(`Tier of ${name}`, { exact: true })).toHaveValue("other");
});

test("the audit log verifies its chain, exports JSON lines and CSV, and pages back", async ({ page, agent }) => {
  // More events than one page holds, whatever ran before.
  for (let batch = 0; batch < 6; batch++) {
    await Promise.all(Array.from({ length: 10 }, () => agent.create({ operation: sqlOperation("SELECT 1;", "pg/app", "staging") })));
  }
  await signInAt(page, ADMIN, "/audit");
  await expect(page.getByText("Chain intact.")).toBeVisible();
  await page.getByRole("link", { name: "Verify whole chain" }).click();
  await expect(page).toHaveURL(/verify=full/);
  await expect(page.getByText("The whole chain was walked just now.")).toBeVisible();
  await page.getByLabel("Event type").fill("user.");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/type=user\./);
  await expect(page.getByRole("list", { name: "Audit events" })).toContainText("user.created");

  const [jsonl] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export JSONL" }).click()]);
  expect(jsonl.suggestedFilename()).toMatch(/^countersign-audit-.*\.jsonl$/);
  const lines = readFileSync((await jsonl.path())!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((l) => l.type.startsWith("user."))).toBe(true);
  expect(lines[0]).toHaveProperty("hash");

  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  const text = readFileSync((await csv.path())!, "utf8");
  expect(text.split("\r\n")[0]).toBe("seq,at,type,actorType,actorId,subjectType,subjectId,data,prevHash,hash");
  expect(text).toContain("user.created");

  // Older events are a page away ("Older →"), newest first on each page.
  await page.goto("/audit");
  const seqs = async () => (await page.getByRole("list", { name: "Audit events" }).getByRole("listitem").allInnerTexts()).map((t) => Number(/#(\d+)/.exec(t)![1]));
  const first = await seqs();
  expect(first).toHaveLength(50);
  await page.getByRole("link", { name: "Older →" }).click();
  await expect(page).toHaveURL(/before=/);
  const second = await seqs();
  expect(second.length).toBeGreaterThan(0);
  expect(Math.max(...second)).toBeLessThan(Math.min(...first));
  await expect(page.getByRole("link", { name: "← Newest" })).toBeVisible();
});

test("reviewers who are not admins cannot open admin pages", async ({ page }) => {
  await signInAt(page, { email: "viewer@e2e.example", name: "Vic Viewer", role: "viewer" }, "/");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" })).toHaveCount(0);
  await page.goto("/agents");
  await expect(page.getByRole("alert").filter({ hasText: "needs the admin role" })).toBeVisible();
  const res = await page.request.get("/audit/export?format=jsonl");
  expect(res.status()).toBe(403);
});


test("a quarantined agent's card says why, in words", async ({ page, browser, baseURL }) => {
  const admin = await sessionCookie(browser, baseURL!, ADMIN);
  const name = unique("e2e-breaker");
  const created = await callAction(baseURL!, { page: "/agents", action: "createAgentAction", cookie: admin, fields: { name, environments: "staging", resources: "*", scopes: ["requests:create", "requests:read"] } });
  const bot = new AgentApi(baseURL!, created.text.match(/csk_[0-9a-f]{16}_[A-Za-z0-9_-]+/)![0]);
  // Twenty critical requests refused by policy (backup destruction) trip the circuit breaker.
  for (let i = 0; i < 20; i++) {
    const res = await bot.call("POST", "/api/v1/requests", { operation: { kind: "shell", target: { environment: "staging", resource: "aws/rds" }, command: `aws rds delete-db-snapshot --db-snapshot-identifier nightly-${i}` } });
    expect([201, 403, 423], JSON.stringify(res.body)).toContain(res.status);
  }
  await signInAt(page, ADMIN, "/agents");
  const card = page.getByRole("region", { name: new RegExp(name) });
  await expect(card).toContainText("Quarantined");
  const why = card.getByRole("term").filter({ hasText: "Why it is quarantined" });
  await expect(why).toBeVisible();
  await expect(card.getByRole("definition").filter({ hasText: "circuit breaker" })).toBeVisible();
});
