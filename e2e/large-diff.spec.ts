// Large planned changes: the page gets a preview, says what it left out, and stays responsive.
import { expect, signInAt, sqlOperation, test, unique } from "./fixtures";
import { USERS } from "./state";

test("a 20,000-line diff and a 300 KiB line are truncated visibly and the page stays usable", async ({ page, agent, baseURL }) => {
  const manyLines = Array.from({ length: 20_000 }, (_, i) => `+row ${i}`).join("\n");
  const resource = unique("pg/app");
  const many = { ...(await agent.create({ operation: sqlOperation("DELETE FROM rows;", resource, "staging"), diff: { format: "unified", content: manyLines } })), resource };
  const longLine = `+${"x".repeat(300 * 1024)}\n-after the long line\n`;
  const long = await agent.create({ operation: sqlOperation("DELETE FROM blobs;", unique("pg/app"), "staging"), diff: { format: "unified", content: longLine } });

  await signInAt(page, USERS.alice, `/requests/${many.id}`);
  const diff = page.getByRole("region", { name: "Agent's planned change (claimed)" });
  await expect(diff).toContainText("+20,000 −0 lines");
  await expect(diff.getByRole("status")).toContainText("Showing 400 of 20,000 lines.");
  await expect(diff.getByText("+row 399", { exact: true })).toBeVisible();
  await expect(diff.getByText("+row 400", { exact: true })).toHaveCount(0);
  await diff.getByRole("button", { name: "Show 1,600 more" }).click();
  await expect(diff.getByText("+row 1999", { exact: true })).toBeVisible();
  // The rest is not sent to the browser; it can be downloaded whole, as text.
  const download = diff.getByRole("link", { name: "Download the whole diff (18,000 more lines)" });
  const whole = await page.request.get((await download.getAttribute("href"))!);
  expect(whole.headers()["content-type"]).toBe("text/plain; charset=utf-8");
  expect(whole.headers()["content-disposition"]).toMatch(/^attachment;/);
  expect(await whole.text()).toBe(manyLines);
  await page.getByLabel(/^Type/).fill(many.resource);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText(/Your approval is recorded|grant has not been redeemed yet/).first()).toBeVisible();

  // One enormous line: cut, labelled, and not sent in full.
  const response = await page.goto(`/requests/${long.id}`);
  expect((await response!.text()).length).toBeLessThan(200 * 1024);
  const longDiff = page.getByRole("region", { name: "Agent's planned change (claimed)" });
  await expect(longDiff.getByText("… line truncated: first 2,000 of 307,201 characters shown")).toBeVisible();
  await expect(longDiff.getByRole("status")).toContainText("1 long line truncated");
  await expect(longDiff.getByText("-after the long line")).toBeVisible();
  const started = Date.now();
  await page.getByLabel("Reason").fill("Too big to review.");
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page.getByText("The request is denied")).toBeVisible();
  expect(Date.now() - started).toBeLessThan(5_000);
  expect((await agent.get(long.id)).body.status).toBe("denied");

  // A small JSON change is shown whole, numbered and highlighted.
  const json = await agent.create({ operation: sqlOperation("UPDATE flags SET on = false;", unique("pg/app"), "staging"), diff: { format: "json", content: '{\n  "checkout_v2": false\n}' } });
  await page.goto(`/requests/${json.id}`);
  const code = page.getByRole("region", { name: "Agent's planned change (claimed)" }).getByLabel("Agent's planned change (claimed)", { exact: true });
  await expect(code).toContainText('"checkout_v2": false');
  await expect(page.getByRole("region", { name: "Agent's planned change (claimed)" }).getByRole("status")).toHaveCount(0);
});
