// `npm test` finds the browser itself (scripts/chromium.mjs) before running anything.
import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
// @ts-expect-error — plain ESM script
import { ensureChromium, findChromium } from "../scripts/chromium.mjs";

describe("finding Chromium for the browser tests", () => {
  const saved = { CHROMIUM_PATH: process.env.CHROMIUM_PATH, PATH: process.env.PATH };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("uses CHROMIUM_PATH when it exists, and refuses one that does not instead of guessing", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cs-chromium-"));
    const exe = path.join(dir, "my-chrome");
    writeFileSync(exe, "#!/bin/sh\n");
    chmodSync(exe, 0o755);
    process.env.CHROMIUM_PATH = exe;
    expect(findChromium()).toBe(exe);
    process.env.CHROMIUM_PATH = path.join(dir, "missing");
    expect(findChromium()).toBeNull();
    expect(ensureChromium()).toBe(false);
  });

  it("finds a chromium on PATH", () => {
    delete process.env.CHROMIUM_PATH;
    const dir = mkdtempSync(path.join(os.tmpdir(), "cs-chromium-"));
    const exe = path.join(dir, "chromium-browser");
    writeFileSync(exe, "#!/bin/sh\n");
    chmodSync(exe, 0o755);
    process.env.PATH = dir;
    expect(findChromium()).toBe(exe);
  });
});
