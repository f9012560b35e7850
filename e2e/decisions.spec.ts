// Denial with a reason, the owner rule, view-only reviewers, and revoking before redemption.
import { expect, signInAt, sqlOperation, test, unique } from "./fixtures";
import { callAction, sessionCookie } from "./server-actions";
import { USERS } from "./state";

test("a denial's reason reaches the waiting agent", async ({ page, agent }) => {
  const created = await agent.create({ operation: sqlOperation("TRUNCATE audit_archive;", unique("pg/archive"), "staging"), summary: "Empty the archive table" });
  expect(created.status).toBe("pending");
  await signInAt(page, USERS.alice, `/requests/${created.id}`);
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Give a reason for the denial." })).toBeVisible();
  // The agent is already waiting when the reviewer decides, and hears at once.
  const waiting = agent.get(created.id, 60);
  await page.getByLabel("Reason").fill("Archive is still needed for the quarterly audit.");
  const deniedAt = Date.now();
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page.getByText("The request is denied")).toBeVisible();
  await expect(page.getByText("Denied:")).toBeVisible();

  const answer = await waiting;
  expect(Date.now() - deniedAt).toBeLessThan(5_000);
  expect(answer.body.status).toBe("denied");
  expect(answer.body.reason).toBe("Archive is still needed for the quarterly audit.");
});

test("an agent's owner cannot approve its requests, and is told why", async ({ page, browser, baseURL, agent }) => {
  const created = await agent.create({ operation: sqlOperation("DELETE FROM sessions;", unique("pg/app"), "staging"), summary: "Clear all sessions" });
  await signInAt(page, USERS.owner, `/requests/${created.id}`);
  const decision = page.getByRole("region", { name: "Decision" });
  await expect(decision.getByText(/You own .*so you cannot approve its requests/)).toBeVisible();
  // No button that cannot work: the owner may only deny.
  await expect(decision.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(decision.getByRole("button", { name: "Deny" })).toBeVisible();
  // The server refuses the approval all the same when it is posted without the button.
  const owner = await sessionCookie(browser, baseURL!, USERS.owner);
  const forged = await callAction(baseURL!, { page: `/requests/${created.id}`, action: "decideAction", cookie: owner, fields: { requestId: created.id, decision: "approve" } });
  expect(forged.text).toContain("another reviewer must approve");
  expect((await agent.get(created.id)).body.status).toBe("pending");
});

test("a viewer sees the request but no decision buttons", async ({ page, agent }) => {
  const created = await agent.create({ operation: sqlOperation("DROP TABLE carts;", unique("pg/shop"), "staging"), summary: "Drop carts" });
  await signInAt(page, USERS.viewer, `/requests/${created.id}`);
  await expect(page.getByLabel("SQL to run")).toContainText("DROP TABLE carts;");
  await expect(page.getByText(/deciding it needs the/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Deny" })).toHaveCount(0);
});

test("revoking an approval before redemption makes the grant useless", async ({ page, agent }) => {
  const operation = sqlOperation("DELETE FROM carts WHERE created_at < now() - interval '1 year';", unique("pg/shop"), "production");
  const created = await agent.create({ operation, summary: "Delete year-old carts" });
  expect(created.status).toBe("pending");
  expect(created.requiredApprovals).toBe(1);
  await signInAt(page, USERS.bob, `/requests/${created.id}`);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText(/grant has not been redeemed yet/)).toBeVisible();
  const approved = await agent.get(created.id);
  expect(approved.body.status).toBe("approved");

  await page.getByLabel("Reason").fill("Wrong table: carts are still used by the billing job.");
  await page.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText(/Approval revoked before the grant was used/)).toBeVisible();

  const redeemed = await agent.redeem(approved.body.grant.token, operation);
  expect(redeemed.status).toBe(409);
  expect((await agent.get(created.id)).body.status).toBe("revoked");
});

test("on a phone the decision is one tap from the top, with quorum and time left", async ({ browser, agent, baseURL }) => {
  const created = await agent.create({
    operation: sqlOperation("DELETE FROM carts WHERE created_at < now() - interval '1 year';", unique("pg/shop"), "production"),
    summary: "Clear year-old carts",
    context: { reasoning: "A long story.\n".repeat(200) },
    diff: { format: "unified", content: Array.from({ length: 300 }, (_, i) => `-cart ${i}`).join("\n") },
  });
  const phone = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 } });
  const page = await phone.newPage();
  await signInAt(page, USERS.alice, `/requests/${created.id}`);
  const glance = page.getByRole("group", { name: "At a glance" });
  await expect(glance).toBeInViewport();
  await expect(glance).toContainText("Quorum 0/1");
  await expect(glance.getByRole("time")).toHaveText(/^\d+:\d\d left$|^\d+h \d\dm left$/);
  await expect(page.getByText(/^Expires in (\d+:\d\d|\d+h \d\dm)$/)).toBeVisible();

  const approve = page.getByRole("button", { name: "Approve" });
  await expect(approve).not.toBeInViewport();
  await glance.getByRole("link", { name: "Go to decision ↓" }).click();
  await expect(approve).toBeInViewport();
  await approve.click();
  await expect(page.getByText(/grant has not been redeemed yet/)).toBeVisible();
  await phone.close();
});
