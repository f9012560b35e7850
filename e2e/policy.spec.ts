// The policy page: edit as YAML, save a version, simulate, compare, restore, export and import.
// The edited rule only matches this test's own agent name, so specs running alongside see the
// default policy's decisions throughout.
import { readFileSync } from "node:fs";
import { expect, signInAt, test, unique } from "./fixtures";
import { ADMIN, USERS } from "./state";
import { callAction, sessionCookie } from "./server-actions";

const dropTable = JSON.stringify({ kind: "sql", target: { environment: "staging", resource: "pg/app" }, sql: "DROP TABLE customers;" });

test("an admin edits, saves, simulates, compares, restores and exports the policy", async ({ page, browser, baseURL }) => {
  const agentName = unique("e2e-policy-agent").replace("_", "-");
  const ruleId = `${agentName}-critical`;
  await signInAt(page, ADMIN, "/policy");
  await expect(page.getByRole("heading", { name: "Policy", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Policy" })).toHaveAttribute("aria-current", "page");
  const rules = page.getByRole("list", { name: "Rules in order" });
  await expect(rules.getByRole("listitem", { name: /production-critical/ })).toContainText("Require approval: 2 approvals required");

  const editor = page.getByRole("region", { name: "Edit policy" });
  const yaml = editor.getByLabel("Policy (YAML)");
  const original = await yaml.inputValue();
  const before = Number((await editor.getByText(/Editing version \d+/).textContent())!.match(/Editing version (\d+)/)![1]);

  // Checked as it is typed: the problem is named by rule and field, and Save waits for a fix.
  await expect(editor.getByRole("status").filter({ hasText: "Valid:" })).toBeVisible();
  const broken = `- id: ${ruleId}\n  match:\n    agents:\n      - ${agentName}\n  effect:\n    type: require_approval\n    approvals: 0\n${original}`;
  await yaml.fill(broken);
  const check = editor.getByRole("status").filter({ hasText: "Not valid yet" });
  await expect(check.getByRole("list", { name: "Problems" })).toContainText(`rule 1 (${ruleId}) effect.approvals`);
  await expect(editor.getByRole("button", { name: "Save new version" })).toBeDisabled();
  await yaml.fill(`${original}\n  - broken: [`);
  await expect(check.getByRole("list", { name: "Problems" })).toContainText("line ");
  // The server checks again whatever the page does: the same YAML posted is refused, nothing saved.
  const refused = await callAction(baseURL!, { page: "/policy", action: "savePolicyAction", cookie: await sessionCookie(browser, baseURL!, ADMIN), fields: { yaml: broken, baseVersion: String(before), note: "" } });
  expect(refused.text).toContain("nothing was saved");
  expect(refused.text).toContain(`rule 1 (${ruleId}) effect.approvals`);

  // A stricter copy of production-critical for this agent only: 3 approvals instead of 2.
  const stricter = original.replace(
    "- id: production-critical\n",
    `- id: ${ruleId}\n  description: Critical operations in production, by the e2e agent\n  match:\n    agents:\n      - ${agentName}\n    tier: production\n    minRisk: critical\n  effect:\n    type: require_approval\n    approvals: 3\n- id: production-critical\n`,
  );
  expect(stricter).not.toBe(original);
  await yaml.fill(stricter);

  // The simulator can try the unsaved YAML first.
  const simulator = page.getByRole("region", { name: "Simulator" });
  await simulator.getByLabel("Operation (JSON)").fill(dropTable);
  await simulator.getByLabel("Environment").selectOption("production");
  await simulator.getByLabel("Agent name").fill(agentName);
  await simulator.getByLabel(/Use the edited YAML/).check();
  await simulator.getByRole("button", { name: "Simulate" }).click();
  const outcome = simulator.getByRole("region", { name: "Simulation result" });
  await expect(outcome).toContainText("Against the edited, unsaved policy, in production (production tier)");
  await expect(outcome).toContainText(`2. ${ruleId}`);
  await expect(outcome).toContainText("3 approvals required");

  await editor.getByLabel("Note").fill("Three approvals for the e2e agent");
  await editor.getByRole("button", { name: "Save new version" }).click();
  await expect(editor.getByText(`Saved as version ${before + 1}.`)).toBeVisible();
  await expect(editor.getByText(`Editing version ${before + 1}.`)).toBeVisible();
  await expect(rules.getByRole("listitem", { name: `Rule 2: ${ruleId}` })).toContainText(`When agent is ${agentName} and environment is production tier and risk is critical or above`);
  const history = page.getByRole("region", { name: "Version history" });
  const newest = history.getByRole("row").nth(1);
  await expect(newest).toContainText(String(before + 1));
  await expect(newest).toContainText(ADMIN.email);
  await expect(newest).toContainText("Three approvals for the e2e agent");
  await expect(newest).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

  // The saved policy decides the same way; other agents still get the default rule.
  await simulator.getByLabel(/Use the edited YAML/).uncheck();
  await simulator.getByRole("button", { name: "Simulate" }).click();
  await expect(outcome).toContainText(`Against policy version ${before + 1}, in production`);
  await expect(outcome).toContainText("3 approvals required");
  await expect(outcome.getByRole("list", { name: "Findings" })).toContainText("sql.drop_table");
  await simulator.getByLabel("Agent name").fill("someone-else");
  await simulator.getByRole("button", { name: "Simulate" }).click();
  await expect(outcome).toContainText("production-critical");
  await expect(outcome).toContainText("2 approvals required");

  // Compare shows exactly the added rule, as text, and keeps unsaved edits in the editor.
  await yaml.fill(`${stricter}# not saved yet\n`);
  const compare = page.getByRole("region", { name: "Compare versions" });
  await compare.getByLabel("From version", { exact: true }).selectOption(String(before));
  await compare.getByLabel("To version", { exact: true }).selectOption(String(before + 1));
  await compare.getByRole("button", { name: "Compare" }).click();
  const diff = compare.getByLabel(`Differences from version ${before} to version ${before + 1}`);
  await expect(diff).toContainText(`+ - id: ${ruleId}`);
  await expect(diff).toContainText("+     approvals: 3");
  await expect(compare.getByText("+10 −0 lines")).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/policy\\?from=${before}&to=${before + 1}$`));
  await expect(yaml).toHaveValue(`${stricter}# not saved yet\n`);
  await editor.getByRole("button", { name: "Discard changes" }).click();
  await expect(yaml).toHaveValue(stricter);

  // Export downloads the YAML in force.
  const downloadPromise = page.waitForEvent("download");
  await editor.getByRole("link", { name: "Export YAML" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe(`countersign-policy-v${before + 1}.yaml`);
  expect(readFileSync((await download.path())!, "utf8")).toBe(stricter);

  // Restoring the previous version makes a new version with the old rules.
  page.once("dialog", (d) => d.accept());
  await history.getByRole("button", { name: `Restore version ${before}` }).click();
  await expect(history.getByText(`Version ${before} restored as version ${before + 2}.`)).toBeVisible();
  await expect(rules.getByRole("listitem", { name: `Rule 2: ${ruleId}` })).toHaveCount(0);
  await expect(yaml).toHaveValue(original);
  await expect(history.getByRole("row").nth(1)).toContainText(`Restored version ${before}`);
  await simulator.getByLabel("Agent name").fill(agentName);
  await simulator.getByRole("button", { name: "Simulate" }).click();
  await expect(outcome).toContainText(`Against policy version ${before + 2}`);
  await expect(outcome).toContainText("2 approvals required");

  // Import loads a file into the editor without saving it.
  await editor.getByLabel("Import YAML file").setInputFiles({ name: "policy.yaml", mimeType: "application/yaml", buffer: Buffer.from(stricter) });
  await expect(yaml).toHaveValue(stricter);
  await expect(editor.getByText(`Editing version ${before + 2} (changed, not saved).`)).toBeVisible();
  await editor.getByRole("button", { name: "Discard changes" }).click();
  await expect(yaml).toHaveValue(original);
});

test("the simulator replays a past request by its id", async ({ page, agent }) => {
  const created = await agent.create({
    operation: { kind: "shell", target: { environment: "production", resource: "aws/rds" }, command: "aws rds delete-db-snapshot --db-snapshot-identifier nightly" },
  });
  expect(created.status).toBe("denied");
  await signInAt(page, ADMIN, "/policy");
  const simulator = page.getByRole("region", { name: "Simulator" });
  await simulator.getByLabel("Or a past request (ID)").fill(created.id);
  await simulator.getByRole("button", { name: "Simulate" }).click();
  const outcome = simulator.getByRole("region", { name: "Simulation result" });
  await expect(outcome).toContainText("deny-backup-destruction");
  await expect(outcome).toContainText("backup.delete_snapshot");
  await simulator.getByLabel("Or a past request (ID)").fill("00000000-0000-0000-0000-000000000000");
  await simulator.getByRole("button", { name: "Simulate" }).click();
  await expect(simulator.getByText("No request with id 00000000-0000-0000-0000-000000000000.")).toBeVisible();
});

test("an approver reads the policy and simulates against it, but cannot change it; a viewer cannot open it", async ({ page }) => {
  await signInAt(page, USERS.alice, "/policy");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Policy" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("list", { name: "Rules in order" }).getByRole("listitem", { name: /production-critical/ })).toBeVisible();
  const yaml = page.getByRole("region", { name: "Policy as YAML" }).getByLabel(/Policy \(YAML\)/);
  await expect(yaml).toHaveAttribute("readonly", "");
  await expect(yaml).toHaveValue(/id: production-critical/);
  await expect(page.getByRole("button", { name: "Save new version" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Restore version/ })).toHaveCount(0);
  const simulator = page.getByRole("region", { name: "Simulator" });
  await simulator.getByLabel("Operation (JSON)").fill(dropTable);
  await simulator.getByLabel("Environment").selectOption("production");
  await simulator.getByRole("button", { name: "Simulate" }).click();
  await expect(simulator.getByRole("region", { name: "Simulation result" })).toContainText("approvals required");
  expect((await page.request.get("/policy/export")).status()).toBe(200);

  await page.context().clearCookies();
  await signInAt(page, USERS.viewer, "/policy");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Policy" })).toHaveCount(0);
  await expect(page.getByRole("alert").filter({ hasText: "This page needs the approver role" })).toBeVisible();
  await expect(page.getByLabel(/Policy \(YAML\)/)).toHaveCount(0);
  const exported = await page.request.get("/policy/export");
  expect(exported.status()).toBe(403);
  expect(await exported.json()).toMatchObject({ status: 403 });
});
