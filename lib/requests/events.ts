// Wakes agents waiting on a request the moment its state changes, on whichever instance they wait.
// Every state change calls pg_notify inside its transaction (delivered only on commit); each
// process holds one LISTEN connection, however many agents wait. A periodic re-read of all
// waited-on requests — one query, not one per waiter — is the safety net for missed notifications.
import type { Database, Tx } from "../db";
import { log } from "../log";

export const REQUEST_CHANNEL = "countersign_requests";
const SAFETY_SWEEP_MS = 5_000;

/** Call inside the transaction that changes a request's state. */
export async function notifyRequestChanged(tx: Tx, requestId: string): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, $2)`, REQUEST_CHANNEL, requestId);
}

class RequestEvents {
  private waiters = new Map<string, Set<() => void>>();
  private ready: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly database: Database) {}

  start(): Promise<void> {
    this.ready ??= (async () => {
      this.unlisten = await this.database.listen(
        REQUEST_CHANNEL,
        (id) => this.wake(id),
        () => void this.sweep(),
      );
      this.timer = setInterval(() => void this.sweep(), SAFETY_SWEEP_MS);
      this.timer.unref();
    })().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.();
    this.ready = undefined;
    for (const id of [...this.waiters.keys()]) this.wake(id);
  }

  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** Resolves when the request changes, or after `ms`. */
  async wait(requestId: string, ms: number, signal?: AbortSignal): Promise<void> {
    await this.start();
    await new Promise<void>((resolve) => {
      let set = this.waiters.get(requestId);
      if (!set) this.waiters.set(requestId, (set = new Set()));
      const done = () => {
        clearTimeout(timeout);
        signal?.removeEventListener("abort", done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(requestId) === set) this.waiters.delete(requestId);
        resolve();
      };
      const timeout = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      set.add(done);
    });
  }

  private wake(requestId: string) {
    const set = this.waiters.get(requestId);
    if (!set) return;
    for (const done of [...set]) done();
  }

  private async sweep() {
    const ids = [...this.waiters.keys()];
    if (ids.length === 0) return;
    try {
      const rows = await this.database.prisma.request.findMany({
        where: { id: { in: ids }, NOT: { status: "pending" } },
        select: { id: true },
      });
      for (const row of rows) this.wake(row.id);
    } catch (err) {
      log.warn("request safety sweep failed", { err });
    }
  }
}

// Shared through globalThis: the custom server and the Next.js bundles load this module separately,
// and one LISTEN connection per process is the point.
const holder = globalThis as unknown as { __countersignRequestEvents?: WeakMap<Database, RequestEvents> };
const hubs = (holder.__countersignRequestEvents ??= new WeakMap<Database, RequestEvents>());

export function requestEvents(database: Database): RequestEvents {
  let hub = hubs.get(database);
  if (!hub) hubs.set(database, (hub = new RequestEvents(database)));
  return hub;
}
