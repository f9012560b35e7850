// Everything the server process does before it accepts requests, and undoes on shutdown.
import { openDatabase, shutDownDatabase, useDatabase, type Database } from "../db";
import type { Config } from "../env";
import { updateLock } from "../db/lock";
import { bootstrap } from "./bootstrap";
import { adminSocketPath, startAdminSocket } from "./admin-socket";
import { log } from "../log";
import { startJobs } from "./jobs";
import { loadRiskEngine } from "../risk";
import { startNotificationWorker } from "../notify";
import { startWebhookWorker } from "../webhooks/worker";
import { requestEvents } from "../requests/events";
import { startPgProxy } from "../proxy/pg";
import { startCheckpoints } from "../audit/checkpoint";
import { closeUpstreams } from "../gateway/mcp/upstream";

export interface Services {
  database: Database;
  /** Present when no user exists: the one-time link to create the first admin. */
  setupUrl?: string;
  stop(): Promise<void>;
}

type Stoppable = { close(): Promise<void> } | { stop(): Promise<void> };
const background: Array<() => Promise<void>> = [];

/** Registers work to stop on shutdown (background loops, listeners). */
export function onShutdown(fn: () => Promise<void>): void {
  background.push(fn);
}

export async function startServices(cfg: Config): Promise<Services> {
  await loadRiskEngine();
  const database = await openDatabase(cfg, { migrate: true, holder: "server" });
  useDatabase(database);
  const closers: Stoppable[] = [];
  let setupUrl: string | undefined;
  try {
    // The server announces it once listening (server.ts), last in the start-up log.
    ({ setupUrl } = await bootstrap(database.prisma, cfg));
    if (database.kind === "embedded") {
      const socketPath = adminSocketPath(cfg.dataDir);
      closers.push(await startAdminSocket({ prisma: database.prisma, config: cfg }, socketPath));
      updateLock(cfg.dataDir, { adminSocket: socketPath });
    }
    const stopJobs = startJobs(database);
    closers.push({ close: stopJobs });
    closers.push(startNotificationWorker(database, cfg));
    closers.push(startWebhookWorker(database, cfg));
    const events = requestEvents(database);
    await events.start();
    closers.push({ close: () => events.stop() });
    // A last checkpoint on the way down, after the jobs and before the database closes.
    closers.push(startCheckpoints(database.prisma, cfg, { everyMs: cfg.auditCheckpoints.everySeconds * 1000, file: cfg.auditCheckpoints.file }));
    closers.push({ close: closeUpstreams });
    // Last to start, so that it stops first: clients waiting for people are told before the rest goes.
    if (cfg.pgProxy) closers.push(await startPgProxy(database, cfg, cfg.pgProxy));
  } catch (error) {
    for (const c of closers.reverse()) await ("close" in c ? c.close() : c.stop()).catch(() => {});
    await database.close();
    throw error;
  }
  log.info("database ready", {
    kind: database.kind,
    dataDir: database.kind === "embedded" ? cfg.dataDir : undefined,
    authSecret: cfg.authSecretSource,
  });
  return {
    database,
    ...(setupUrl ? { setupUrl } : {}),
    async stop() {
      for (const fn of background.splice(0).reverse()) await fn().catch((err) => log.warn("shutdown step failed", { err }));
      for (const c of closers.reverse()) await ("close" in c ? c.close() : c.stop()).catch((err) => log.warn("shutdown step failed", { err }));
      // Closes the database and releases the data folder; nothing may reopen it afterwards.
      await shutDownDatabase();
    },
  };
}
