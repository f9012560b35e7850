// Builds the Next.js app when there is no build or a source file is newer than it.
// Used by `npm start` and by the test suite's global set-up.
import { existsSync, readdirSync, statSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
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
  const inputs = ["app", "components", "lib", "public", "next.config.ts", "postcss.config.mjs", "package.json", "proxy.ts", "auth.ts"];
  const latest = Math.max(...inputs.map((p) => newest(path.join(root, p))));
  return latest > statSync(buildId).mtimeMs;
}

/** One JSON log line, like the server's (lib/log.ts), on standard error: this runs before it. */
export function logLine(level, msg, fields = {}) {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + "\n");
}

const buildCommand = () => [process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"]];
const buildOptions = () => ({ cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" } });

/** next build prints plain text; pass it on as JSON lines, one per line it printed. */
function logBuildOutput(stdout, stderr) {
  const strip = (text) => text.replace(/\u001b\[[0-9;]*m/g, "").trimEnd();
  for (const [stream, level] of [[stdout, "info"], [stderr, "warn"]]) {
    for (const line of (stream ?? "").split("\n").map(strip).filter((l) => l.trim())) logLine(level, line, { source: "next build" });
  }
}

export function ensureBuild() {
  if (!buildIsStale()) return;
  logLine("info", "building the app (first start, or sources changed)");
  const [command, args] = buildCommand();
  const result = spawnSync(command, args, { ...buildOptions(), stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  logBuildOutput(result.stdout, result.stderr);
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`);
}

/**
 * ensureBuild for `npm start`: the build runs as a child while this process stays responsive, so
 * a SIGTERM or SIGINT sent to it (by npm, passing on a process manager's signal) reaches the build
 * too, and this process exits instead of leaving the build running on its own.
 */
export async function ensureBuildForwardingSignals() {
  if (!buildIsStale()) return;
  logLine("info", "building the app (first start, or sources changed)");
  const [command, args] = buildCommand();
  const child = spawn(command, args, { ...buildOptions(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  let stoppedBy = null;
  const forward = (signal) => {
    stoppedBy = signal;
    child.kill(signal);
  };
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"];
  for (const signal of signals) process.on(signal, forward);
  try {
    const code = await new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (status) => resolve(status));
    });
    logBuildOutput(stdout, stderr);
    if (stoppedBy) {
      logLine("info", "stopped during the build", { signal: stoppedBy });
      process.exit(0);
    }
    if (code !== 0) throw new Error(`next build failed (exit ${code})`);
  } finally {
    for (const signal of signals) process.off(signal, forward);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureBuild();
