// Single sign-on through an OIDC provider: identities map to existing users by email; nobody is
// created by signing in.
import { expect, signInAt, test } from "./fixtures";
import { ADMIN, USERS } from "./state";

test("single sign-on signs an existing user in, and returns to the deep link", async ({ page }) => {
  await page.goto("/audit");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Faudit/);
  await page.getByRole("button", { name: "Sign in with single sign-on" }).click();
  await expect(page.getByRole("heading", { name: "Example identity provider" })).toBeVisible();
  await page.getByLabel("Email").fill(USERS.viewer.email.toUpperCase());
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  // A viewer: signed in (the navigation names them), but the audit log needs an admin.
  await expect(page.getByText(USERS.viewer.name)).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: "needs the admin role" })).toBeVisible();
});

test("single sign-on refuses an identity with no Countersign user, and creates none", async ({ page, browser, baseURL }) => {
  const stranger = `stranger-${Date.now()}@e2e.example`;
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with single sign-on" }).click();
  await page.getByLabel("Email").fill(stranger);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/signin\?.*error=AccessDenied/);
  await expect(page.getByRole("alert").filter({ hasText: "does not match an enabled Countersign user" })).toBeVisible();

  const admin = await browser.newContext({ baseURL });
  const adminPage = await admin.newPage();
  await signInAt(adminPage, ADMIN, "/users");
  await expect(adminPage.getByRole("heading", { name: "Users", exact: true })).toBeVisible();
  await expect(adminPage.getByText(stranger)).toHaveCount(0);
  await admin.close();
});
