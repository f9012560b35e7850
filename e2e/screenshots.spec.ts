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
      expect(await lowContrastText(page), `text below WCAG AA contrast in ${variant.name}`).toEqual([]);
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

/**
 * Every visible piece of text whose colour against its background is below WCAG AA: 4.5:1, or 3:1
 * for large text (24 px, or 18.66 px bold). Backgrounds are composited up the ancestors; colours
 * are read through a canvas, so any CSS colour syntax (oklch included) is compared as sRGB.
 */
async function lowContrastText(page: import("@playwright/test").Page): Promise<string[]> {
  return page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
    const rgba = (color: string): [number, number, number, number] => {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = "rgba(0, 0, 0, 0)";
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      return [d[0], d[1], d[2], d[3] / 255];
    };
    const over = (top: number[], bottom: number[]) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]));
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => {
        const x = v / 255;
        return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (element: Element): number[] => {
      const layers: Array<[number, number, number, number]> = [];
      for (let e: Element | null = element; e; e = e.parentElement) {
        const layer = rgba(getComputedStyle(e).backgroundColor);
        if (layer[3] > 0) layers.push(layer);
        if (layer[3] === 1) break;
      }
      let colour = [255, 255, 255];
      for (const layer of layers.reverse()) colour = over(layer, colour);
      return colour;
    };
    const failures: string[] = [];
    for (const element of document.querySelectorAll("body *")) {
      const own = [...element.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== "").map((n) => n.textContent!.trim()).join(" ");
      if (!own || !(element as HTMLElement).checkVisibility?.({ opacityProperty: true, visibilityProperty: true })) continue;
      if (element.closest("[disabled], [aria-disabled='true'], .sr-only, option, select")) continue;
      const style = getComputedStyle(element);
      const bg = background(element);
      const fg = over(rgba(style.color), bg);
      const [light, dark] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (light + 0.05) / (dark + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${ratio.toFixed(2)}:1 "${own.slice(0, 40)}" (${style.color} on rgb(${bg.map(Math.round).join(", ")}))`);
    }
    return failures;
  });
}

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
