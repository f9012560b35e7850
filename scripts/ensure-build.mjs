// Builds the Next.js app when there is no build or a source file is newer than it.
// Used by `npm start` and by the test suite's global set-up.
import { existsSync, readdirSync, statSync } from "node:fs";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    latest = Math.max(latest, newest(path.join(target, entry.name)));
  }
  return latest;
}

export function buildIsStale() {
  const buildId = path.join(root, ".next/BUILD_ID");
  if (!existsSync(buildId)) return true;
  const inputs = ["app", "components", "lib", "public", "next.config.mjs", "postcss.config.mjs", "package.json", "proxy.ts", "auth.ts"];
  const latest = Math.max(...inputs.map((p) => newest(path.join(root, p))));
  return latest > statSync(buildId).mtimeMs;
}

/** One JSON log line, like the server's (lib/log.ts), on standard error: this runs before it. */
export function logLine(level, msg, fields = {}) {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + "\n");
}

/** How often a build that prints nothing says it is still going. */
const HEARTBEAT_MS = 15_000;

/**
 * Builds when stale. `next build` prints its steps as it goes (compiling, type-checking, collecting
 * pages, generating them n/m); each is passed on as a JSON line the moment it is printed, and a
 * line every 15 s says the build is still going and for how long, so a first start on a slow
 * machine never looks stuck.
 */
export async function ensureBuild() {
  if (!buildIsStale()) return;
  logLine("info", "building the app (first start, or sources changed); this takes a few minutes on a small machine, progress follows");
  await runBuild([path.join(root, "node_modules/next/dist/bin/next"), "build"]);
}

/**
 * ensureBuild for `npm start`: a SIGTERM, SIGINT or SIGHUP sent to this process (by npm, passing on
 * a process manager's signal) reaches the build too, and this process then exits instead of leaving
 * the build running on its own.
 */
export async function ensureBuildForwardingSignals() {
  if (!buildIsStale()) return;
  logLine("info", "building the app (first start, or sources changed); this takes a few minutes on a small machine, progress follows");
  const stoppedBy = await runBuild([path.join(root, "node_modules/next/dist/bin/next"), "build"], { forwardSignals: true });
  if (stoppedBy) {
    logLine("info", "stopped during the build", { signal: stoppedBy });
    process.exit(0);
  }
}

const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"];

/**
 * Runs a build step with node, relaying its output as it comes and a heartbeat while it is quiet.
 * With `forwardSignals`, the signals this process receives are passed to the step; it answers the
 * signal that stopped the step, if one did.
 */
export async function runBuild(args, { heartbeatMs = HEARTBEAT_MS, forwardSignals = false } = {}) {
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  // next build prints plain text with colours and spinners; pass each line on as a JSON line.
  const strip = (text) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").trimEnd();
  let lastStep = "starting";
  const relay = (stream, level) =>
    createInterface({ input: stream, crlfDelay: Infinity }).on("line", (raw) => {
      const line = strip(raw.split("\r").pop() ?? "");
      if (!line.trim()) return;
      lastStep = line.trim();
      logLine(level, line, { source: "next build" });
    });
  relay(child.stdout, "info");
  relay(child.stderr, "warn");
  let stoppedBy = null;
  const forward = (signal) => {
    stoppedBy = signal;
    child.kill(signal);
  };
  if (forwardSignals) for (const signal of SIGNALS) process.on(signal, forward);
  const heartbeat = setInterval(() => {
    logLine("info", `still building the app (${Math.round((Date.now() - started) / 1000)} s so far; last step: ${lastStep})`, { source: "next build" });
  }, heartbeatMs);
  const status = await new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  }).finally(() => {
    clearInterval(heartbeat);
    if (forwardSignals) for (const signal of SIGNALS) process.off(signal, forward);
  });
  if (stoppedBy) return stoppedBy;
  if (status !== 0) throw new Error(`next build failed (exit ${status})`);
  logLine("info", `app built in ${Math.round((Date.now() - started) / 1000)} s`, { source: "next build" });
  return null;
}

if (import.meta.url === `file://${process.argv[1]}`) await ensureBuild();
