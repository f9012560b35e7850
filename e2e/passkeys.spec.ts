// Passkey step-up: the default policy asks each approval of a critical production request for the
// approver's passkey. Chromium's virtual authenticator (CDP) stands in for a laptop's built-in one.
import type { Page } from "@playwright/test";
import { cleanEnv, runCli } from "../test/app-server";
import { expect, signInAt, sqlOperation, test, unique } from "./fixtures";
import { auditEvents, callAction, sessionCookie } from "./server-actions";
import { registerPasskey, virtualAuthenticator } from "./passkeys";
import { ADMIN, PASSWORD, e2eState, type E2EUser } from "./state";

async function addApprover(prefix: string): Promise<E2EUser> {
  const name = unique(prefix);
  const user: E2EUser = { email: `${name}@e2e.example`, name, role: "approver" };
  const env = cleanEnv({ COUNTERSIGN_DATA_DIR: e2eState().dataDir, LOG_LEVEL: "silent" });
  const res = await runCli(["user", "add", `--email=${user.email}`, "--role=approver", `--name=${user.name}`], env, `${PASSWORD}\n`);
  expect(res.code, res.stderr).toBe(0);
  return user;
}

async function approveOnPage(page: Page, requestId: string, resource: string) {
  await page.goto(`/requests/${requestId}`);
  const decision = page.getByRole("region", { name: "Decision" });
  await decision.getByLabel(/to confirm/).fill(resource);
  await decision.getByRole("button", { name: "Approve" }).click();
}

test("a production critical approval needs each approver's passkey; the session alone is refused and the audit names the credential", async ({ browser, baseURL, agent }) => {
  const [ann, ben] = [await addApprover("passkey-ann"), await addApprover("passkey-ben")];
  const resource = unique("pg/billing");
  const created = await agent.create({ operation: sqlOperation("DROP TABLE invoices;", resource), summary: "Drop the invoices table" });
  expect(created).toMatchObject({ status: "pending", requiredApprovals: 2, risk: { level: "critical" } });

  // Without a passkey, the page says to register one first, and Approve cannot be pressed.
  const annContext = await browser.newContext({ baseURL });
  const annPage = await annContext.newPage();
  await signInAt(annPage, ann, `/requests/${created.id}`);
  const decision = annPage.getByRole("region", { name: "Decision" });
  await expect(decision).toContainText("Approving this request needs a passkey, and you have none.");
  await decision.getByLabel(/to confirm/).fill(resource);
  await expect(decision.getByRole("button", { name: "Approve" })).toBeDisabled();

  const annCredentials = await virtualAuthenticator(annPage);
  await registerPasskey(annPage, "Ann's laptop");
  const [annCredential] = await annCredentials();
  expect(annCredential).toBeTruthy();

  // The session cookie alone — a server-action post with the typed confirmation but no assertion — cannot approve.
  const annCookie = await sessionCookie(browser, baseURL!, ann);
  const forged = await callAction(baseURL!, {
    page: `/requests/${created.id}`,
    action: "decideAction",
    cookie: annCookie,
    fields: { requestId: created.id, decision: "approve", confirmation: resource },
  });
  expect(forged.text).toContain("Approving this request needs your passkey");
  expect((await agent.get(created.id)).body).toMatchObject({ status: "pending" });

  // With the passkey, through the page: the first approval counts.
  await approveOnPage(annPage, created.id, resource);
  await expect(decision.getByText("Your approval is recorded. 1 more approval needed from other reviewers.")).toBeVisible();

  const benContext = await browser.newContext({ baseURL });
  const benPage = await benContext.newPage();
  await signInAt(benPage, ben, "/account");
  const benCredentials = await virtualAuthenticator(benPage);
  await registerPasskey(benPage, "Ben's laptop");
  const [benCredential] = await benCredentials();
  await approveOnPage(benPage, created.id, resource);
  await expect(benPage.getByText("Your approval is recorded.")).toBeVisible();
  expect((await agent.get(created.id)).body).toMatchObject({ status: "approved" });

  // The audit log: each approval names the credential that confirmed it, the refusal is recorded,
  // and so are the registrations.
  const admin = await sessionCookie(browser, baseURL!, ADMIN);
  const approvals = await auditEvents(baseURL!, admin, { subject: created.id, type: "review.approved" });
  expect(approvals.map((e) => e.data?.passkey?.credentialId).sort()).toEqual([annCredential, benCredential].sort());
  const refused = await auditEvents(baseURL!, admin, { subject: created.id, type: "reviewer.refused" });
  expect(refused.map((e) => e.data?.code)).toContain("passkey_required");
  const registered = await auditEvents(baseURL!, admin, { type: "passkey.registered", actor: ann.email });
  expect(registered.map((e) => e.data?.credentialId)).toEqual([annCredential]);

  // Removing a passkey lists it no more, and is audited.
  await annPage.goto("/account");
  annPage.once("dialog", (dialog) => dialog.accept());
  await annPage.getByRole("button", { name: "Remove passkey Ann's laptop" }).click();
  await expect(annPage.getByText("You have no passkeys yet.")).toBeVisible();
  const removed = await auditEvents(baseURL!, admin, { type: "passkey.removed", actor: ann.email });
  expect(removed.map((e) => e.data?.credentialId)).toEqual([annCredential]);

  await annContext.close();
  await benContext.close();
});
