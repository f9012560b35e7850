// The whole loop: an agent asks to drop a production table; two people approve through the
// browser (the first arriving signed out through the deep link); the agent gets a grant; the
// grant redeems exactly once.
import { expect, fillSignIn, sqlOperation, test, unique } from "./fixtures";
import { USERS } from "./state";

test("a critical production request needs two approvals, then redeems exactly once", async ({ browser, agent, baseURL }) => {
  const resource = unique("postgres/main");
  const table = unique("customers_old");
  const operation = sqlOperation(`DROP TABLE ${table};`, resource);
  const created = await agent.create({
    operation,
    summary: `Drop ${table}, left over from the March migration`,
    context: {
      reasoning: "The migration copied every row to customers; nothing reads the old table any more.",
      prompt: "Clean up the leftover tables from the March migration.",
      transcript: [
        { role: "user", content: "Please tidy up the database." },
        { role: "assistant", content: `I found ${table}; I will drop it.` },
      ],
      links: ["https://tickets.example.com/OPS-42"],
    },
    diff: { format: "unified", content: `--- a/schema.sql\n+++ b/schema.sql\n@@ -1,3 +1,1 @@\n-CREATE TABLE ${table} (\n-  id bigint\n-);\n CREATE TABLE customers (id bigint);\n` },
    ttlSeconds: 900,
  });
  expect(created.status).toBe("pending");
  expect(created.risk.level).toBe("critical");
  expect(created.requiredApprovals).toBe(2);

  // Alice follows the deep link while signed out, signs in, and lands back on the request.
  const alice = await browser.newContext({ baseURL });
  const page = await alice.newPage();
  await page.goto(`/requests/${created.id}`);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Frequests%2F/);
  await fillSignIn(page, USERS.alice);
  await expect(page).toHaveURL(new RegExp(`/requests/${created.id}$`));

  // She reads what will run, why Countersign thinks it is dangerous, and the agent's story.
  await expect(page.getByRole("heading", { level: 1 })).toContainText(resource);
  await expect(page.getByText("PRODUCTION").first()).toBeVisible();
  await expect(page.getByRole("region", { name: /Risk/ })).toContainText("sql.drop_table");
  await expect(page.getByLabel("SQL to run")).toContainText(`DROP TABLE ${table};`);
  const context = page.getByRole("region", { name: "Agent's context" });
  await expect(context).toContainText("Agent-supplied — untrusted");
  await expect(context).toContainText("nothing reads the old table any more");
  await expect(context).toContainText("https://tickets.example.com/OPS-42");
  await expect(context.getByRole("link")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Planned change" })).toContainText(`-CREATE TABLE ${table} (`);
  await expect(page.getByText("0 of 2")).toBeVisible();

  // Approving a critical request needs the resource name typed; a wrong one is refused.
  await page.getByLabel(/^Type/).fill("postgres/other");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "type the resource name" })).toBeVisible();
  await page.getByLabel(/^Type/).fill(resource);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText("1 more approval needed")).toBeVisible();
  await expect(page.getByText("1 of 2")).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);

  // Until a second person approves, the agent is still waiting.
  expect((await agent.get(created.id)).body.status).toBe("pending");

  // Bob approves as the second, distinct reviewer.
  const bob = await browser.newContext({ baseURL });
  const bobPage = await bob.newPage();
  await bobPage.goto(`/requests/${created.id}`);
  await fillSignIn(bobPage, USERS.bob);
  await expect(bobPage).toHaveURL(new RegExp(`/requests/${created.id}$`));
  await expect(bobPage.getByText("Alice Approver")).toBeVisible();
  await bobPage.getByLabel(/^Type/).fill(resource);
  await bobPage.getByRole("button", { name: "Approve" }).click();
  await expect(bobPage.getByText("2 of 2")).toBeVisible();
  await expect(bobPage.getByText(/grant has not been redeemed yet/)).toBeVisible();

  // The agent's long-poll answers approved with a grant; the grant redeems once.
  const decided = await agent.get(created.id, 5);
  expect(decided.status).toBe(200);
  expect(decided.body.status).toBe("approved");
  expect(decided.body.grant.token).toMatch(/^ey/);
  const first = await agent.redeem(decided.body.grant.token, operation);
  expect(first.status).toBe(200);
  const second = await agent.redeem(decided.body.grant.token, operation);
  expect(second.status).toBe(409);

  // Alice's open page notices on its own that the request moved on (live refresh).
  await expect(page.getByText("2 of 2")).toBeVisible({ timeout: 15_000 });
  await alice.close();
  await bob.close();
});
