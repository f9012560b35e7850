// Agent-supplied text is shown inert: markup stays text, scripts never run, and invisible or
// direction-changing characters appear as visible escapes with a warning.
import { AgentApi, expect, signInAt, sqlOperation, test, unique } from "./fixtures";
import { callAction, sessionCookie } from "./server-actions";
import { ADMIN, USERS } from "./state";

test("markup, scripts, bidi and zero-width tricks are shown inert and escaped", async ({ page, agent }) => {
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  const marker = unique("xss");
  const resource = unique("pg/app");
  const created = await agent.create({
    operation: sqlOperation(`DROP TABLE "users\u202E\u2066"; -- <script>alert("sql-${marker}")</script> ok\u200Bay`, resource, "staging"),
    summary: `<img src=x onerror="alert('summary-${marker}')"> invoice\u202Efdp.exe`,
    context: {
      reasoning: `<script>alert('reasoning-${marker}')</script> safe\u200Bto\uFEFFrun`,
      prompt: `<b onmouseover=alert(1)>bold</b> \u001b[2K\u001b[1Aall good`,
      transcript: [{ role: "assistant<script>", content: `<iframe src="javascript:alert('t-${marker}')"></iframe>` }],
      links: [`https://example.com/?q=<script>alert(1)</script>&r=${marker}`],
    },
    diff: { format: "unified", content: `+<img src=x onerror=alert('diff-${marker}')>\n-\u2067hidden\u2069\n` },
  });
  expect(created.status).toBe("pending");

  await signInAt(page, USERS.alice, `/requests/${created.id}`);
  await expect(page.getByRole("alert").filter({ hasText: "Hidden characters" })).toBeVisible();

  // Markup is text, never elements.
  await expect(page.getByText(`<img src=x onerror="alert('summary-${marker}')">`)).toBeVisible();
  await expect(page.getByText(`<script>alert('reasoning-${marker}')</script>`)).toBeVisible();
  await expect(page.getByText(`<iframe src="javascript:alert('t-${marker}')"></iframe>`)).toBeVisible();
  const main = page.locator("main");
  await expect(main.locator("img, iframe, script, b[onmouseover]")).toHaveCount(0);
  await expect(main.getByRole("link", { name: /example\.com/ })).toHaveCount(0);

  // Invisible characters are visible escapes, in every panel.
  const summary = page.getByRole("region", { name: "Agent's summary" });
  await expect(summary.getByText("\\u202E")).toBeVisible();
  const sql = page.getByLabel("SQL to run");
  await expect(sql.getByText("\\u202E")).toBeVisible();
  await expect(sql.getByText("\\u2066")).toBeVisible();
  await expect(sql.getByText("\\u200B")).toBeVisible();
  const context = page.getByRole("region", { name: "Agent's context" });
  await expect(context.getByText("\\u200B")).toBeVisible();
  await expect(context.getByText("\\uFEFF")).toBeVisible();
  await expect(context.getByText("\\u001B").first()).toBeVisible();
  await expect(page.getByRole("region", { name: "Agent's planned change (claimed)" }).getByText("\\u2067")).toBeVisible();

  // The operation is the agent's text but the signed artifact: said so, apart from the narrative.
  const operation = page.getByRole("region", { name: /Operation — exactly what will run/ });
  await expect(operation).toContainText("Bound to the grant");
  await expect(operation).toContainText("Written by the agent");
  await expect(operation).not.toContainText("Agent-supplied — untrusted");
  await expect(operation.getByLabel("SQL to run")).toBeVisible();

  // No raw control characters reached the rendered text.
  const text = await main.innerText();
  expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B-\u200F\uFEFF\u001B]/);

  // The inbox shows the summary inert too.
  await page.goto("/");
  const row = page.getByRole("link", { name: new RegExp(`summary-${marker}`) });
  await expect(row).toContainText("\\u202E");
  await expect(page.locator("main img")).toHaveCount(0);

  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
});

test("look-alike letters and hidden characters are named on the request page and in the simulator, and approving needs the resource typed", async ({ page, agent }) => {
  // A Cyrillic о in `оrders`: it reads as the orders table, but names another.
  const resource = unique("pg/app");
  const created = await agent.create({ operation: sqlOperation("DELETE FROM \u043erders WHERE id = 1", resource, "staging"), summary: "Remove one test order" });
  expect(created.status).toBe("pending");
  expect(created.risk.level).toBe("critical");
  expect((await agent.get(created.id)).body.risk.findings.map((f: { id: string }) => f.id)).toContain("operation.lookalike_characters");

  await signInAt(page, USERS.alice, `/requests/${created.id}`);
  await expect(page.getByRole("alert").filter({ hasText: "Look-alike letters" })).toBeVisible();
  const risk = page.locator("#risk");
  await expect(risk).toContainText("operation.lookalike_characters");
  await expect(risk).toContainText("\\u043Erders: U+043E CYRILLIC SMALL LETTER O (looks like o)");
  // The name is shown as code, with the look-alike letter as a visible escape, not in backticks.
  await expect(risk.locator("code").filter({ hasText: "\\u043Erders" }).first()).toBeVisible();
  const decision = page.getByRole("region", { name: "Decision" });
  const approve = decision.getByRole("button", { name: "Approve" });
  await expect(approve).toBeDisabled();
  await page.getByLabel(/^Type/).fill(resource);
  await expect(approve).toBeEnabled();
  await approve.click();
  await expect.poll(async () => (await agent.get(created.id)).body.status, { timeout: 15_000 }).toBe("approved");

  // The simulator names both findings, as escapes, and says approving needs the resource typed.
  await page.goto("/policy");
  const simulator = page.getByRole("region", { name: "Simulator" });
  await simulator.getByLabel("Operation (JSON)").fill(JSON.stringify(sqlOperation("DELETE FROM \u043erders WHERE id = 1 -- \u202e", resource, "staging")));
  await simulator.getByLabel("Environment").selectOption("staging");
  await simulator.getByRole("button", { name: "Simulate" }).click();
  const outcome = simulator.getByRole("region", { name: "Simulation result" });
  const findings = outcome.getByRole("list", { name: "Findings" });
  await expect(findings).toContainText("operation.hidden_characters");
  await expect(findings).toContainText("U+202E RIGHT-TO-LEFT OVERRIDE");
  await expect(findings).toContainText("operation.lookalike_characters");
  await expect(findings).toContainText("\\u043Erders");
  await expect(findings.locator("code").filter({ hasText: "\\u043Erders" }).first()).toBeVisible();
  await expect(outcome).toContainText("so approving it needs the resource name typed");
  // Countersign's own sentences show the look-alike as an escape too; no raw override anywhere.
  await expect(findings).toContainText("Deletes the rows of public.\\u043Erders");
  expect(await findings.innerText()).not.toMatch(/[\u202e\u043e]/);
  expect(await outcome.innerText()).not.toMatch(/\u202e/);
});

test("pages carry a nonce-based CSP and load without violations or script errors", async ({ page, agent }) => {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(msg.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  const response = await page.goto("/signin");
  const csp = response!.headers()["content-security-policy"];
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(csp).not.toContain("unsafe-inline");
  expect(response!.headers()["x-content-type-options"]).toBe("nosniff");
  expect(response!.headers()["referrer-policy"]).toBe("no-referrer");
  const created = await agent.create({ operation: sqlOperation("DROP TABLE csp_check;", unique("pg/app"), "staging"), diff: { format: "unified", content: "-a\n+b\n" } });
  await signInAt(page, USERS.viewer, `/requests/${created.id}`);
  await expect(page.getByLabel("SQL to run")).toBeVisible();
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  await page.waitForTimeout(500);
  expect(problems).toEqual([]);
});

test("an environment or resource name with invisible or bidi characters is refused before any reviewer sees it", async ({ browser, page, baseURL }) => {
  // An agent allowed "*" names any environment it likes — but only names an environment could have.
  const admin = await sessionCookie(browser, baseURL!, ADMIN);
  const name = unique("e2e-anyenv");
  const created = await callAction(baseURL!, { page: "/agents", action: "createAgentAction", cookie: admin, fields: { name, otherEnvironments: "*", resources: "*", scopes: ["requests:create", "requests:read"] } });
  const key = created.text.match(/csk_[0-9a-f]{16}_[A-Za-z0-9_-]+/)![0];
  const anyEnv = new AgentApi(baseURL!, key);
  const marker = unique("envtrick");
  const tricks: Array<[environment: string, resource: string, field: string]> = [
    ["staging\u202Enoitcudorp\u200B", unique("pg/app"), "operation.target.environment"],
    ["staging", `pg/app\u202E${marker}`, "operation.target.resource"],
  ];
  for (const [environment, resource, field] of tricks) {
    const res = await anyEnv.call("POST", "/api/v1/requests", { operation: sqlOperation("DROP TABLE t;", resource, environment), summary: `Environment trick ${marker}` });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  }

  // Nothing was stored: the inbox has no row for either.
  await signInAt(page, USERS.alice, `/?agent=${encodeURIComponent(name)}`);
  await expect(page.getByText("No requests match these filters.")).toBeVisible();
});
