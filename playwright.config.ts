// Browser tests: the real server (built once) on an embedded database in a temporary data folder,
// driven through Debian's Chromium. `npx playwright test` runs them on their own. With
// TEST_DATABASE_URL set (CI=true requires it), the `postgres` project also runs the whole loops —
// sign-in, and deciding on the request page with a waiting agent, a grant and its redemption — on
// a second instance of the same build using a fresh PostgreSQL database (e2e/global-setup.ts).
import { defineConfig } from "@playwright/test";
// @ts-expect-error — plain ESM script that `npm test` also runs first
import { findChromium } from "./scripts/chromium.mjs";

// Test-runner settings, not Countersign configuration (which only lib/env.ts reads).
const executablePath: string = findChromium() ?? "/usr/bin/chromium";
const inCi = process.env.CI === "true" || process.env.CI === "1";
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
if (inCi && !onPostgres) throw new Error("CI=true but TEST_DATABASE_URL is not set: the browser tests must also run on PostgreSQL in CI.");

/** The tests the `postgres` project runs: whole loops through the database, not page details. */
const POSTGRES_LOOPS = [
  "a denial's reason reaches the waiting agent",
  "revoking an approval before redemption makes the grant useless",
  "a wrong password is refused with a readable message",
  "signing out ends the session",
];

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  globalSetup: "./e2e/global-setup.ts",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 2,
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  projects: [
    { name: "embedded" },
    ...(onPostgres
      ? [
          {
            name: "postgres",
            testMatch: ["decisions.spec.ts", "auth.spec.ts"],
            grep: new RegExp(` (${POSTGRES_LOOPS.map((title) => title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`),
          },
        ]
      : []),
  ],
  use: {
    browserName: "chromium",
    viewport: { width: 1280, height: 900 },
    locale: "en-GB",
    timezoneId: "UTC",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
