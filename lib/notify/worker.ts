// The delivery loop each instance runs: every couple of seconds, and at once when a transaction
// that queued a message commits (NOTIFY on countersign_notify). Instances share the work through
// the database, so running it everywhere is safe.
import type { Database } from "../db";
import type { Config } from "../env";
import { log } from "../log";
import { BATCH_SIZE, NOTIFY_CHANNEL, deliverDueNotifications, pruneDeliveries, type DeliverConfig, type DeliverOptions } from "./queue";

const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface NotificationWorkerOptions extends Pick<DeliverOptions, "fetch" | "timeoutMs"> {
  intervalMs?: number;
  /** Set false to poll only. */
  listen?: boolean;
}

export interface NotificationWorker {
  /** Resolves once the LISTEN is in place (or has failed, leaving polling). */
  ready: Promise<void>;
  /** Runs a delivery pass soon (coalesced with one in progress). */
  wake(): void;
  /** Stops the loop and waits for the pass in progress. */
  stop(): Promise<void>;
}

export function startNotificationWorker(
  database: Database,
  cfg: DeliverConfig,
  options: NotificationWorkerOptions = {},
): NotificationWorker {
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;
  let lastPrune = 0;
  let unlisten: (() => Promise<void>) | undefined;

  const pass = async () => {
    do {
      again = false;
      const report = await deliverDueNotifications(database.prisma, cfg, { fetch: options.fetch, timeoutMs: options.timeoutMs });
      // A full batch means more may be due right now.
      if (report.claimed >= BATCH_SIZE && report.released === 0) again = true;
    } while (again && !stopped);
    if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      await pruneDeliveries(database.prisma);
    }
  };

  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err) => log.warn("notification delivery pass failed", { err }))
      .finally(() => {
        running = undefined;
      });
  };

  const timer = setInterval(wake, options.intervalMs ?? 2_000);
  timer.unref();
  const ready =
    options.listen === false
      ? Promise.resolve()
      : database
          .listen(NOTIFY_CHANNEL, wake, wake)
          .then(async (stop) => {
            if (stopped) await stop();
            else unlisten = stop;
          })
          .catch((err) => log.warn("notification LISTEN failed; polling only", { err }));
  wake();

  return {
    ready,
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ready;
      await unlisten?.().catch(() => {});
      await running;
    },
  };
}
