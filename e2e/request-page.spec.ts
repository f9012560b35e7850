// The request page as a reviewer decides on it: production restated in words where they decide,
// cool-down cancelled by any reviewer, server messages and hosts shown as they really are, and a
// very long operation that neither freezes the page nor hides what runs.
import { AgentApi, expect, signInAt, sqlOperation, test, unique } from "./fixtures";
import { e2eState, USERS } from "./state";
import { callAction, sessionCookie } from "./server-actions";

test("a production request says so in words at the top and beside the buttons, also on a phone", async ({ browser, baseURL, agent }) => {
  const created = await agent.create({ operation: sqlOperation("UPDATE accounts SET plan = 'free' WHERE id = 7;", unique("pg/billing"), "production"), summary: "Downgrade one account" });
  expect(created.status).toBe("pending");
  const phone = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const page = await phone.newPage();
    await signInAt(page, USERS.bob, `/requests/${created.id}`);
    const banner = page.getByRole("note", { name: "Production" });
    await expect(banner).toHaveText(/PRODUCTION — this runs against production/);
    await expect(banner).toBeInViewport();

    // "Go to decision" lands where the environment and risk are still on screen with the buttons.
    await page.getByRole("link", { name: "Go to decision ↓" }).click();
    const decision = page.getByRole("region", { name: "Decision" });
    const badges = decision.getByRole("group", { name: "Environment and risk" });
    await expect(badges).toContainText("production");
    await expect(badges).toContainText(created.risk.level);
    await expect(badges).toBeInViewport();
    await expect(decision.getByRole("button", { name: "Approve" })).toBeInViewport();
    await expect(decision.getByRole("button", { name: "Deny" })).toBeInViewport();
  } finally {
    await phone.close();
  }

  // Outside production there is no banner; on a wide screen the header names the environment and
  // the risk once, beside the buttons' panel, which does not repeat them.
  const staging = await agent.create({ operation: sqlOperation("TRUNCATE sessions;", unique("pg/app"), "staging") });
  const page = await browser.newPage({ baseURL });
  await signInAt(page, USERS.bob, `/requests/${staging.id}`);
  const header = page.locator("article > header");
  await expect(header).toContainText("staging");
  await expect(header).toContainText(staging.risk.level);
  await expect(page.getByRole("region", { name: "Decision" }).getByRole("group", { name: "Environment and risk" })).toBeHidden();
  await expect(page.getByRole("note", { name: "Production" })).toHaveCount(0);
  await page.close();
});

test("a viewer cancels an approval during its cool-down, and the waiting agent hears it at once", async ({ browser, baseURL, page }) => {
  const { coolDownAgent } = e2eState();
  const bot = new AgentApi(baseURL!, coolDownAgent.key);
  const created = await bot.create({ operation: sqlOperation("UPDATE plans SET price = 0 WHERE id = 3;", unique("pg/plans"), "staging"), summary: "Make plan 3 free" });
  expect(created.status).toBe("pending");
  await signInAt(page, USERS.alice, `/requests/${created.id}`);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText(/Approved; cooling down/)).toBeVisible();
  expect((await bot.get(created.id)).body.status).toBe("cooling_down");

  const viewerContext = await browser.newContext({ baseURL });
  try {
    const viewer = await viewerContext.newPage();
    // The inbox files it with what is still open, with the time left before the grant.
    await signInAt(viewer, USERS.viewer, "/");
    const waiting = viewer.getByRole("region", { name: "Waiting for review" });
    const row = waiting.getByRole("listitem").filter({ hasText: "Make plan 3 free" });
    await expect(row).toContainText(/cooling down/i);
    await expect(row).toContainText(/Grant in (\d+:\d\d|1h 00m)/);
    await expect(row).toContainText("any reviewer can still cancel it");
    await expect(viewer.getByRole("region", { name: "Decided and closed" }).getByText("Make plan 3 free")).toHaveCount(0);

    await viewer.goto(`/requests/${created.id}`);
    const cancel = viewer.getByRole("button", { name: "Cancel approval" });
    await expect(viewer.getByRole("button", { name: "Approve" })).toHaveCount(0);
    const heard = bot.get(created.id, 60);
    await viewer.getByLabel("Reason").fill("Plan 3 is the enterprise plan; not free.");
    const cancelledAt = Date.now();
    await cancel.click();
    await expect(viewer.getByText("The approval is cancelled")).toBeVisible();
    const answer = await heard;
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    expect(answer.body.status).toBe("revoked");
    expect(answer.body.reason).toBe("Plan 3 is the enterprise plan; not free.");
    expect(answer.body.grant).toBeFalsy();
  } finally {
    await viewerContext.close();
  }
});

test("Approve says what it grants, stays disabled until the resource name is typed exactly, and the server refuses a mistyped one", async ({ page, browser, baseURL, agent }) => {
  // Resource names cannot carry invisible or bidi characters (the API refuses them), so what the
  // refusal quotes is exactly what the reviewer must type.
  const resource = `${unique("pg/shop")}-carts`;
  const created = await agent.create({ operation: sqlOperation("DROP TABLE carts;", resource, "staging") });
  expect(created.risk.level).toBe("critical");
  await signInAt(page, USERS.alice, `/requests/${created.id}`);
  const decision = page.getByRole("region", { name: "Decision" });
  await expect(decision.getByRole("paragraph").filter({ hasText: "Approve grants:" })).toContainText(`may run this DROP once on ${resource} (staging), from now, within 5 minutes of the grant.`);
  const approve = decision.getByRole("button", { name: "Approve" });
  await expect(approve).toBeDisabled();
  await page.getByLabel(/^Type/).fill(resource.replace("-carts", "carts"));
  await expect(approve).toBeDisabled();
  await expect(decision.getByText("Not yet the resource name")).toBeVisible();
  await page.getByLabel(/^Type/).fill(resource);
  await expect(approve).toBeEnabled();

  // The server checks the confirmation itself, whatever the page allowed.
  const alice = await sessionCookie(browser, baseURL!, USERS.alice);
  const refused = await callAction(baseURL!, { page: `/requests/${created.id}`, action: "decideAction", cookie: alice, fields: { requestId: created.id, decision: "approve", confirmation: resource.replace("-carts", "carts") } });
  expect(refused.text).toContain("type the resource name");
  expect(refused.text).toContain(resource);
  expect((await agent.get(created.id)).body.status).toBe("pending");
  // A finding id is one token: it never breaks in the middle on a narrow screen.
  await expect(page.getByRole("region", { name: /Risk/ }).getByText("sql.drop_table", { exact: true })).toHaveCSS("white-space", "nowrap");
});

test("the expiry in the header is emphasised once under ten minutes remain", async ({ page, agent }) => {
  const later = await agent.create({ operation: sqlOperation("TRUNCATE sessions;", unique("pg/app"), "staging"), ttlSeconds: 900 });
  const soon = await agent.create({ operation: sqlOperation("TRUNCATE sessions;", unique("pg/app"), "staging"), ttlSeconds: 300 });
  await signInAt(page, USERS.bob, `/requests/${later.id}`);
  const expiry = page.locator("article > header").getByText(/^Expires in/).locator("time");
  await expect(expiry).toHaveText(/^in 1[45]:\d\d$/);
  await expect(expiry).toHaveCSS("font-weight", "400");
  await page.goto(`/requests/${soon.id}`);
  await expect(expiry).toHaveText(/^in [45]:\d\d$/);
  await expect(expiry).toHaveCSS("font-weight", "600");
  await expect(expiry).toHaveCSS("font-size", "14px");
});

test("a 300 KiB one-line statement renders promptly, cut with a note, downloadable whole, and can be approved", async ({ page, agent, baseURL }) => {
  const sql = `UPDATE documents SET body = '${"lorem ipsum ".repeat(25_600)}' WHERE id = 42;`;
  expect(sql.length).toBeGreaterThan(300 * 1024);
  const created = await agent.create({ operation: sqlOperation(sql, unique("pg/docs"), "production") });
  expect(created.status).toBe("pending");
  await signInAt(page, USERS.bob, `/requests/${created.id}`);
  const started = Date.now();
  const code = page.getByLabel("SQL to run");
  await expect(code).toContainText("UPDATE documents SET body = 'lorem ipsum");
  await expect(code).toContainText(`line truncated: first 2,000 of ${sql.length.toLocaleString("en")} characters shown`);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect((await code.innerText()).length).toBeLessThan(5_000);

  // The whole statement, exactly, is one click away.
  const download = page.getByRole("link", { name: "Download the whole SQL" });
  const file = await page.request.get((await download.getAttribute("href"))!);
  expect(file.status()).toBe(200);
  expect(await file.text()).toBe(sql);
  expect(file.headers()["content-disposition"]).toBe(`attachment; filename="countersign-request-${created.id}.sql"`);
  // Only for people signed in.
  const anonymous = await fetch(new URL((await download.getAttribute("href"))!, baseURL));
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get("content-type")).toMatch(/^application\/problem\+json/);

  // The stored JSON is mounted only when opened, and says how to read it all.
  const operation = page.getByRole("region", { name: /Operation — exactly what will run/ });
  await expect(operation.getByText(/too long to show here/)).toHaveCount(0);
  await operation.getByText("The whole operation as stored (JSON)").click();
  await expect(operation.getByText(/too long to show here/)).toBeVisible();
  const json = await page.request.get((await operation.getByRole("link", { name: "Download it as JSON" }).getAttribute("href"))!);
  expect((await json.json()).sql).toBe(sql);

  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText(/grant has not been redeemed yet/)).toBeVisible();
  expect((await agent.get(created.id)).body.status).toBe("approved");
});

test("an HTTP operation names its real host, isolated, and warns of a look-alike name", async ({ page, agent }) => {
  // "раypal": the first two letters are Cyrillic.
  const url = "https://\u0440\u0430ypal.example/v1/accounts/7";
  const created = await agent.create({ operation: { kind: "http", target: { environment: "staging", resource: unique("api/payments") }, method: "DELETE", url } });
  await signInAt(page, USERS.bob, `/requests/${created.id}`);
  const operation = page.getByRole("region", { name: /Operation — exactly what will run/ });
  const host = operation.getByRole("definition").filter({ hasText: "xn--" });
  await expect(host).toHaveText(new URL(url).host);
  expect(new URL(url).host).toMatch(/^xn--/);
  await expect(host.locator("bdi")).toHaveAttribute("dir", "ltr");
  await expect(operation.getByRole("term").filter({ hasText: "Host" })).toBeVisible();
  await expect(operation.getByRole("alert")).toContainText("non-ASCII");

  // An ordinary host gets no warning.
  const plain = await agent.create({ operation: { kind: "http", target: { environment: "staging", resource: unique("api/payments") }, method: "DELETE", url: "https://api.example.com/v1/accounts/7" } });
  await page.goto(`/requests/${plain.id}`);
  await expect(operation.getByRole("definition").filter({ hasText: "api.example.com" })).toBeVisible();
  await expect(operation.getByRole("alert")).toHaveCount(0);
});
