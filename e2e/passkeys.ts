// Passkeys in the browser tests: Chromium's virtual authenticator (CDP) stands in for a laptop's
// built-in one. The default policy asks each approval of a critical production request for the
// approver's passkey, so any spec that approves one through the page registers one first.
import type { Browser, Page } from "@playwright/test";
import { expect, signInAt } from "./fixtures";
import type { E2EUser } from "./state";

/** A user-verifying platform authenticator in this page's browser context; returns its credential ids. */
export async function virtualAuthenticator(page: Page): Promise<() => Promise<string[]>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return async () => {
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    return credentials.map((c) => Buffer.from(c.credentialId, "base64").toString("base64url"));
  };
}

export async function registerPasskey(page: Page, name: string) {
  await page.goto("/account");
  await page.getByLabel("Passkey name").fill(name);
  await page.getByRole("button", { name: "Register passkey" }).click();
  await expect(page.getByText(`Passkey “${name}” registered.`)).toBeVisible();
  await expect(page.getByRole("region", { name: "Passkeys" }).getByRole("row", { name: new RegExp(name) })).toBeVisible();
}

/** A signed-in page for `user` whose context holds a freshly registered passkey. */
export async function pageWithPasskey(browser: Browser, baseURL: string, user: E2EUser, path: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signInAt(page, user, "/account");
  await virtualAuthenticator(page);
  await registerPasskey(page, `Test key ${Date.now().toString(36)}`);
  await page.goto(path);
  return page;
}
