// Screenshots of the inbox and a request page, light and dark, desktop and a 390 px phone (there
// also the decision area, where "Go to decision" lands). They
// double as a check that both pages fit those sizes (no sideways scrolling) in the colours asked for. With UPDATE_SCREENSHOTS=1 they are
// written to docs/screenshots; otherwise to the test's output folder, so runs leave docs alone.
import path from "node:path";
import { AgentApi, expect, signInAt, sqlOperation, test, unique } from "./fixtures";
import { USERS, e2eState } from "./state";

const DOCS = path.resolve(import.meta.dirname, "..", "docs", "screenshots");

test("inbox and request page in light, dark and phone width", async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  // The shared agent, so the pictures read "e2e-deploy-bot" rather than a per-file name.
  const agent = new AgentApi(e2eState().url, e2eState().agentKey, e2eState().agentName);
  const OUT = process.env.UPDATE_SCREENSHOTS === "1" ? DOCS : testInfo.outputPath();
  const resource = "postgres/main";
  const critical = await agent.create({
    operation: sqlOperation("DROP TABLE customers_old;\n-- left over from the March migration", resource),
    summary: "Drop customers_old, left over from the March migration",
    context: {
      reasoning: "The March migration copied every row of customers_old into customers and switched all readers over.\nNothing has read customers_old since 12 March (pg_stat_user_tables.seq_scan is unchanged).",
      prompt: "Clean up the leftover tables from the March migration.",
      transcript: [
        { role: "user", content: "Please tidy up the database; the migration is done." },
        { role: "assistant", content: "customers_old is unused. I will drop it; this needs approval." },
      ],
      links: ["https://tickets.example.com/OPS-1942"],
      session: "sess_7f3a",
    },
    diff: {
      format: "unified",
      content: "--- a/db/schema.sql\n+++ b/db/schema.sql\n@@ -12,9 +12,3 @@ CREATE TABLE customers (\n   id bigint PRIMARY KEY,\n   email text NOT NULL\n );\n-\n-CREATE TABLE customers_old (\n-  id bigint PRIMARY KEY,\n-  email text NOT NULL,\n-  migrated_at timestamptz\n-);\n",
    },
  });
  await agent.create({ operation: { kind: "shell", target: { environment: "staging", resource: "k8s/web" }, command: "kubectl rollout restart deployment/web" }, summary: "Restart the web deployment after the config change" });
  await agent.create({ operation: sqlOperation("UPDATE plans SET price_cents = 1900 WHERE id = 'pro';", "postgres/billing"), summary: "Raise the Pro plan price to $19 as agreed" });
  await agent.create({ operation: sqlOperation(`TRUNCATE ${unique("events_tmp")};`, "postgres/analytics", "development"), summary: "Empty the scratch events table" });
  // Something already decided: a read allowed by policy, and a request the agent withdrew.
  await agent.create({ operation: sqlOperation("SELECT count(*) FROM orders WHERE created_at > now() - interval '1 day';", "postgres/main"), summary: "Count yesterday's orders for the daily report" });
  const withdrawn = await agent.create({ operation: sqlOperation("DELETE FROM carts;", "postgres/shop"), summary: "Clear abandoned carts" });
  expect((await agent.call("POST", `/api/v1/requests/${withdrawn.id}/cancel`)).status).toBe(200);

  const variants = [
    { name: "light", colorScheme: "light" as const, viewport: { width: 1280, height: 900 }, phone: false },
    { name: "dark", colorScheme: "dark" as const, viewport: { width: 1280, height: 900 }, phone: false },
    { name: "phone", colorScheme: "light" as const, viewport: { width: 390, height: 844 }, phone: true },
    { name: "phone-dark", colorScheme: "dark" as const, viewport: { width: 390, height: 844 }, phone: true },
  ];
  for (const variant of variants) {
    const context = await browser.newContext({ baseURL, colorScheme: variant.colorScheme, viewport: variant.viewport, deviceScaleFactor: variant.phone ? 2 : 1 });
    const page = await context.newPage();
    // What every shot must be true of: nothing wider than the screen, and the colour scheme asked for.
    const checkLayout = async () => {
      const { scrollWidth, innerWidth, background } = await page.evaluate(() => {
        // Whatever colour syntax the style computes to (rgb, lab, oklch), a canvas gives sRGB bytes.
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 1;
        const ctx = canvas.getContext("2d")!;
        ctx.fillStyle = getComputedStyle(document.body).backgroundColor;
        ctx.fillRect(0, 0, 1, 1);
        const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, background: `rgb(${r}, ${g}, ${b})` };
      });
      expect(scrollWidth, `horizontal overflow at ${innerWidth} px`).toBeLessThanOrEqual(innerWidth);
      const lightness = luminance(background);
      if (variant.colorScheme === "dark") expect(lightness, background).toBeLessThan(0.1);
      else expect(lightness, background).toBeGreaterThan(0.9);
    };
    await signInAt(page, USERS.alice, "/");
    await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
    await expect(page.getByText("Live", { exact: true })).toBeVisible();
    await checkLayout();
    await page.screenshot({ path: path.join(OUT, `inbox-${variant.name}.png`), fullPage: !variant.phone });
    await page.goto(`/requests/${critical.id}`);
    await expect(page.getByLabel("SQL to run")).toBeVisible();
    await checkLayout();
    await page.screenshot({ path: path.join(OUT, `request-${variant.name}.png`), fullPage: !variant.phone });
    if (variant.phone) {
      // Where "Go to decision" lands: production, the risk and the buttons on one screen.
      await page.getByRole("link", { name: "Go to decision ↓" }).click();
      const decision = page.getByRole("region", { name: "Decision" });
      await expect(decision.getByRole("group", { name: "Environment and risk" })).toBeInViewport();
      await expect(decision.getByRole("button", { name: "Approve" })).toBeInViewport();
      await page.screenshot({ path: path.join(OUT, `request-${variant.name}-decision.png`) });
    }
    await context.close();
  }
});

/** Relative luminance (0 black … 1 white) of an sRGB colour written rgb(r, g, b). */
function luminance(css: string): number {
  const [r, g, b] = /^rgb\((\d+), (\d+), (\d+)\)$/
    .exec(css)!
    .slice(1, 4)
    .map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
