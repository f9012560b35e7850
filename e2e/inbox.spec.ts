// The inbox as a reviewer keeps it open: requests appear and move on their own as agents ask and
// other reviewers decide; counts follow; filters narrow it; "Load more" pages through the rest.
import { AgentApi, expect, signInAt, sqlOperation, test, unique } from "./fixtures";
import { pageWithPasskey } from "./passkeys";
import { callAction, sessionCookie } from "./server-actions";
import { ADMIN, USERS } from "./state";

test("the open inbox updates live, counts follow decisions made elsewhere, and filters and Load more work", async ({ browser, page, baseURL }) => {
  // An agent of this test's own, so its rows are the only ones under the agent filter.
  const admin = await sessionCookie(browser, baseURL!, ADMIN);
  const name = unique("e2e-inbox");
  const created = await callAction(baseURL!, { page: "/agents", action: "createAgentAction", cookie: admin, fields: { name, environments: ["staging", "production"], resources: "*", scopes: ["requests:create", "requests:read"] } });
  const bot = new AgentApi(baseURL!, created.text.match(/csk_[0-9a-f]{16}_[A-Za-z0-9_-]+/)![0]);

  await signInAt(page, USERS.alice, `/?agent=${name}`);
  await expect(page.getByText("No requests match these filters.")).toBeVisible();
  const waitingCount = page.getByText(/waiting for review ·/);
  await expect(waitingCount).toHaveText(/^0 waiting for review · 0 in total$/);

  // The agent asks; the row appears without a reload.
  const summary = `Truncate the scratch table ${unique("live")}`;
  const request = await bot.create({ operation: sqlOperation("TRUNCATE scratch;", unique("pg/app"), "production"), summary });
  expect(request.status).toBe("pending");
  const waitingSection = page.getByRole("region", { name: /Waiting for review/ });
  await expect(waitingSection.getByRole("link", { name: summary })).toBeVisible({ timeout: 15_000 });
  await expect(waitingCount).toHaveText(/^1 waiting for review · 1 in total$/);

  // Bob denies it on his own device; Alice's inbox moves it and the counts change.
  const bob = await browser.newContext({ baseURL });
  const bobPage = await bob.newPage();
  await signInAt(bobPage, USERS.bob, `/requests/${request.id}`);
  await bobPage.getByLabel("Reason").fill("Not during business hours.");
  await bobPage.getByRole("button", { name: "Deny" }).click();
  await expect(bobPage.getByText("The request is denied")).toBeVisible();
  await bob.close();
  const closed = page.getByRole("region", { name: /Decided and closed/ });
  await expect(closed.getByRole("link", { name: summary })).toBeVisible({ timeout: 15_000 });
  await expect(waitingCount).toHaveText(/^0 waiting for review · 1 in total$/);
  await expect(page.getByRole("navigation", { name: "Status" }).getByRole("link", { name: /denied/ })).toContainText("1");

  // More than a page of requests: policy allows these reads at once.
  for (let batch = 0; batch < 6; batch++) {
    await Promise.all(Array.from({ length: 10 }, (_, i) => bot.create({ operation: sqlOperation(`SELECT ${batch * 10 + i};`, "pg/app", "staging"), summary: `Read ${batch * 10 + i}` })));
  }
  await page.reload();
  await expect(waitingCount).toHaveText(/^0 waiting for review · 61 in total$/);
  const rows = page.locator("main li").filter({ has: page.locator('a[href^="/requests/"]') });
  await expect(rows).toHaveCount(50);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(rows).toHaveCount(61);
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);

  // A filter narrows it: only the first request was for production.
  await page.getByLabel("Environment").selectOption("production");
  await expect(page).toHaveURL(/environment=production/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(summary);
});

test("each row says where the signed-in reviewer stands, and closed rows say when they were decided", async ({ browser, baseURL, agent }) => {
  // Production critical: two approvals, so one approval leaves it waiting.
  const resource = unique("pg/shop");
  const summary = `Drop the old carts table ${unique("cue")}`;
  const request = await agent.create({ operation: sqlOperation("DROP TABLE carts_old;", resource, "production"), summary });
  expect(request.requiredApprovals).toBe(2);
  const alice = await sessionCookie(browser, baseURL!, USERS.alice);
  // Production critical approvals need the approver's passkey (the default policy).
  const alicePage = await pageWithPasskey(browser, baseURL!, USERS.alice, `/requests/${request.id}`);
  await alicePage.getByLabel(/to confirm/).fill(resource);
  await alicePage.getByRole("button", { name: "Approve" }).click();
  await expect(alicePage.getByText("1 more approval needed").first()).toBeVisible();
  await alicePage.context().close();
  const deniedSummary = `Truncate the audit copy ${unique("cue")}`;
  const denied = await agent.create({ operation: sqlOperation("TRUNCATE audit_copy;", unique("pg/app"), "production"), summary: deniedSummary });
  expect((await callAction(baseURL!, { page: `/requests/${denied.id}`, action: "decideAction", cookie: alice, fields: { requestId: denied.id, decision: "deny", reason: "Still needed." } })).text).toContain("The request is denied");

  const cues: Array<[user: (typeof USERS)[keyof typeof USERS], cue: string]> = [
    [USERS.alice, "You approved"],
    [USERS.bob, "Waiting for you"],
    [USERS.owner, "Your agent — you can't approve"],
    [USERS.viewer, "Needs approver role"],
  ];
  for (const [user, cue] of cues) {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await signInAt(page, user, `/?agent=${encodeURIComponent(agent.name!)}`);
    const row = page.getByRole("region", { name: /Waiting for review/ }).getByRole("listitem").filter({ has: page.getByRole("link", { name: summary }) });
    await expect(row, user.email).toContainText(cue);
    await expect(row).toContainText("1 of 2 approvals");
    if (user === USERS.alice) {
      const closed = page.getByRole("region", { name: /Decided and closed/ }).getByRole("listitem").filter({ has: page.getByRole("link", { name: deniedSummary }) });
      await expect(closed).toContainText("You denied");
      await expect(closed).toContainText(/Decided (just now|\d+ min ago)/);
    }
    await context.close();
  }
});
