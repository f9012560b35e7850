// Browser tests: the real server (built once) on an embedded database in a temporary data folder,
// driven through Debian's Chromium. `npx playwright test` runs them on their own.
import { defineConfig } from "@playwright/test";
// @ts-expect-error — plain ESM script that `npm test` also runs first
import { findChromium } from "./scripts/chromium.mjs";

// Test-runner settings, not Countersign configuration (which only lib/env.ts reads).
const executablePath: string = findChromium() ?? "/usr/bin/chromium";

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
