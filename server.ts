// Countersign's server: prepares the database, then serves the Next.js app on PORT.
// `npm start` runs this (after building when needed); `npm run dev` runs it with --dev.
import http from "node:http";
import { format } from "node:util";
import next from "next";
import { ConfigError, config } from "./lib/env";
import { DataDirInUseError } from "./lib/db/lock";
import { startServices } from "./lib/server/start";
import { PgProxyStartError } from "./lib/proxy/pg";
import { beginShutdown } from "./lib/server/shutdown";
import { log } from "./lib/log";
import { CLIENT_ADDRESS_HEADER, resolveClientAddress, stripUntrustedForwardedHeaders } from "./lib/http/client-address";
import { handleFastPath } from "./lib/server/fast-path";

const dev = process.argv.includes("--dev");
// In-flight requests get this long to finish after SIGTERM; long-polls answer at once.
const DRAIN_MS = 8_000;
const FORCE_EXIT_MS = 20_000;
const LISTEN_BACKLOG = 8192;

// Next.js prints its own lines through console; keep every line of output structured JSON.
function routeConsoleToLog() {
  const strip = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "").trim();
  const as = (level: "info" | "warn" | "error") => (...args: unknown[]) => {
    const text = strip(format(...args));
    if (text) log[level](text, { source: "next" });
  };
  console.log = as("info");
  console.info = as("info");
  console.warn = as("warn");
  console.error = as("error");
}

/**
 * The first admin's setup link, last in the start-up log so it is not lost among the build's lines;
 * and, for a person at a terminal, also as plain text set apart (log pipelines get JSON lines only).
 */
function announceSetupLink(setupUrl: string) {
  log.warn("no user exists yet: open this one-time link within the hour to create the first admin", { setupUrl });
  if (!process.stderr.isTTY) return;
  const rule = "─".repeat(Math.min(100, Math.max(60, setupUrl.length + 4)));
  process.stderr.write(`\n${rule}\n  No user exists yet. Create the first admin here (works once, within the hour):\n\n  ${setupUrl}\n${rule}\n\n`);
}

async function main() {
  const cfg = config();
  if (!dev) routeConsoleToLog();
  const services = await startServices(cfg);
  const app = next({ dev, dir: import.meta.dirname, port: cfg.port, quiet: !dev });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    // Overwrites any client-sent value: only this server says where a request came from.
    req.headers[CLIENT_ADDRESS_HEADER] = resolveClientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], cfg.trustedProxies);
    // Forwarded host, scheme and port only from a trusted proxy, before Next.js or next-auth read them.
    stripUntrustedForwardedHeaders(req.headers, cfg.trustedProxies);
    // The agent API's busiest paths are answered here (in development Next.js serves them, reloading edits).
    if (!dev && handleFastPath(req, res)) return;
    void handle(req, res);
  });
  // Long-polls last up to 60 s; keep idle sockets a little longer than that.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A deep accept queue: thousands of agents connecting at once (a fleet starting its long-polls)
    // are queued, not dropped to SYN retries that would answer them seconds late. The kernel caps
    // it (net.core.somaxconn).
    server.listen({ port: cfg.port, backlog: LISTEN_BACKLOG }, resolve);
  });
  log.info("countersign listening", { url: cfg.publicUrl, port: cfg.port, dev });
  if (services.setupUrl) announceSetupLink(services.setupUrl);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    const force = setTimeout(() => {
      log.error("shutdown did not finish in time; exiting", { signal });
      process.exit(1);
    }, FORCE_EXIT_MS);
    force.unref();
    // Stop accepting connections, wake long-polls so they answer their current state, and let
    // in-flight requests finish (idle keep-alive connections are closed as they become idle).
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    beginShutdown();
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const inTime = await Promise.race([drained.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), DRAIN_MS))]);
    clearInterval(idle);
    if (!inTime) {
      log.warn("requests still running at the shutdown deadline; closing their connections", { signal, drainMs: DRAIN_MS });
      server.closeAllConnections();
    }
    await services.stop();
    await app.close().catch(() => {});
    log.info("stopped", { signal });
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error) => {
  if (error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof PgProxyStartError) log.fatal(error.message);
  else log.fatal("start-up failed", { err: error });
  process.exit(1);
});
