// The webhook delivery loop each instance runs: every couple of seconds, and at once when a
// transaction that queued a delivery commits (NOTIFY on countersign_webhooks). Instances share the
// work through the database (SKIP LOCKED), so running it everywhere is safe.
import type { Database } from "../db";
import type { Config } from "../env";
import { log } from "../log";
import { WEBHOOK_BATCH_SIZE, deliverDueWebhooks, pruneWebhookDeliveries, type WebhookDeliverOptions } from "./deliver";
import { WEBHOOK_CHANNEL } from "./enqueue";

const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface WebhookWorkerOptions extends Pick<WebhookDeliverOptions, "fetch" | "timeoutMs"> {
  intervalMs?: number;
  /** Set false to poll only. */
  listen?: boolean;
}

export interface WebhookWorker {
  ready: Promise<void>;
  wake(): void;
  stop(): Promise<void>;
}

export function startWebhookWorker(database: Database, cfg: Pick<Config, "authSecret" | "publicUrl" | "port">, options: WebhookWorkerOptions = {}): WebhookWorker {
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;
  let lastPrune = 0;
  let unlisten: (() => Promise<void>) | undefined;

  const pass = async () => {
    do {
      again = false;
      const report = await deliverDueWebhooks(database.prisma, cfg, { fetch: options.fetch, timeoutMs: options.timeoutMs });
      if (report.claimed >= WEBHOOK_BATCH_SIZE && report.released === 0) again = true;
    } while (again && !stopped);
    if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      await pruneWebhookDeliveries(database.prisma);
    }
  };
  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err) => log.warn("webhook delivery pass failed", { err }))
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
          .listen(WEBHOOK_CHANNEL, wake, wake)
          .then(async (stop) => {
            if (stopped) await stop();
            else unlisten = stop;
          })
          .catch((err) => log.warn("webhook LISTEN failed; polling only", { err }));
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
