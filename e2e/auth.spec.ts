// Sign-in: readable failures, and only same-origin relative paths followed afterwards.
import { expect, fillSignIn, test } from "./fixtures";
import { USERS } from "./state";

test("a wrong password is refused with a readable message", async ({ page }) => {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(USERS.alice.email);
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toHaveText("That email and password do not match an active account.");
  await expect(page).toHaveURL(/\/signin/);
});

for (const target of ["//evil.example", "https://evil.example", "/\\evil.example", "/%5Cevil.example", "javascript:alert(document.domain)"]) {
  test(`after sign-in, ${JSON.stringify(target)} lands on the inbox`, async ({ page, baseURL }) => {
    await page.goto(`/signin?callbackUrl=${encodeURIComponent(target)}`);
    await fillSignIn(page, USERS.viewer);
    await page.waitForURL((url) => url.pathname === "/");
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
    await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  });
}

test("signed-out API calls get 401 problem details, not pages", async ({ request }) => {
  const res = await request.get("/api/dashboard/requests");
  expect(res.status()).toBe(401);
  expect(res.headers()["content-type"]).toContain("application/problem+json");
});

test("repeated failures for one email are refused with a readable message", async ({ page }) => {
  // Each refused attempt costs a full password hash on a busy 2-core machine.
  test.setTimeout(240_000);
  await page.goto("/signin");
  const email = `guess-${Date.now()}@e2e.example`;
  const tooMany = page.getByRole("alert").filter({ hasText: "Too many failed attempts" });
  // 20 failures per email and address per minute; a run that straddles a minute needs up to 41.
  for (let i = 0; i < 45 && (await tooMany.count()) === 0; i++) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`wrong guess number ${i}`);
    await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Sign in", exact: true }).click()]);
    // The response lands before React finishes the action and resets the form: wait for that, or the
    // next guess is typed into a field about to be cleared and the browser refuses the empty submit.
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
    await expect(page.getByLabel("Password")).toHaveValue("");
  }
  await expect(tooMany).toHaveText("Too many failed attempts. Wait a minute, then try again.");
});

test("signing out ends the session", async ({ page }) => {
  await page.goto("/signin");
  await fillSignIn(page, USERS.viewer);
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2F/);
});
