// Finds the Chromium the browser tests drive, and installs Debian's package when it can.
// `npm test` runs this first (so a missing browser is said at once, not after the unit tests), and
// playwright.config.ts asks it for the executable.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

/** The browser to drive: CHROMIUM_PATH, else the first Chromium on PATH (or /usr/bin/chromium). */
export function findChromium() {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const name of CANDIDATES) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : null;
}

function say(line) {
  process.stderr.write(`${line}\n`);
}

/** Finds Chromium or installs Debian's package (as root, where apt-get exists); false when neither. */
export function ensureChromium() {
  if (findChromium()) return true;
  if (process.env.CHROMIUM_PATH) {
    say(`CHROMIUM_PATH is set to ${process.env.CHROMIUM_PATH}, which does not exist. Point it at a Chromium or unset it.`);
    return false;
  }
  const apt = existsSync("/usr/bin/apt-get");
  if (apt && process.getuid?.() === 0) {
    say("The browser tests need Chromium; installing Debian's package (apt-get install chromium)…");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    for (const args of [["update"], ["install", "-y", "chromium"]]) {
      const run = spawnSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env });
      if (run.status !== 0) {
        say(`apt-get ${args.join(" ")} failed (exit ${run.status}). Install Chromium yourself, or set CHROMIUM_PATH.`);
        return false;
      }
    }
    if (findChromium()) return true;
  }
  say(
    apt
      ? "The browser tests need Chromium. Install it with `sudo apt-get install chromium`, or set CHROMIUM_PATH to a Chromium or Chrome executable, then run npm test again."
      : "The browser tests need Chromium or Chrome. Install one and make sure it is on PATH, or set CHROMIUM_PATH to its executable, then run npm test again.",
  );
  return false;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = ensureChromium() ? 0 : 1;
}
