// Wakes agents waiting on a request the moment its state changes, on whichever instance they wait.
// Every state change calls pg_notify inside its transaction (delivered only on commit); each
// process holds one LISTEN connection, however many agents wait. A periodic re-read of all
// waited-on requests — one query, not one per waiter — is the safety net for missed notifications.
import { rawSql, type Database, type RawTx } from "../db";
import { log } from "../log";

export const REQUEST_CHANNEL = "countersign_requests";
const SAFETY_SWEEP_MS = 5_000;

/** Call inside the transaction that changes a request's state. */
export async function notifyRequestChanged(tx: RawTx, requestId: string): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, $2)`, REQUEST_CHANNEL, requestId);
}

/**
 * Interest in one request, registered before its state is read: a change that lands between the
 * read and `wait()` is remembered, so the waiter cannot sleep through it.
 */
export interface Subscription {
  /** Resolves at once if the request changed since the last wait (or since subscribing), else when it changes or after `ms`. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  close(): void;
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

  /** Starts listening for changes to the request; read its state after this, then wait. */
  async subscribe(requestId: string): Promise<Subscription> {
    await this.start();
    let woken = false;
    let resolveWait: (() => void) | undefined;
    let set = this.waiters.get(requestId);
    if (!set) this.waiters.set(requestId, (set = new Set()));
    const members = set;
    const onWake = () => {
      woken = true;
      resolveWait?.();
    };
    members.add(onWake);
    return {
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (woken || signal?.aborted) {
            woken = false;
            return resolve();
          }
          const done = () => {
            clearTimeout(timeout);
            signal?.removeEventListener("abort", done);
            resolveWait = undefined;
            woken = false;
            resolve();
          };
          const timeout = setTimeout(done, ms);
          signal?.addEventListener("abort", done, { once: true });
          resolveWait = done;
        }),
      close: () => {
        members.delete(onWake);
        resolveWait?.();
        if (members.size === 0 && this.waiters.get(requestId) === members) this.waiters.delete(requestId);
      },
    };
  }

  /** Resolves when the request changes, or after `ms`. */
  async wait(requestId: string, ms: number, signal?: AbortSignal): Promise<void> {
    const subscription = await this.subscribe(requestId);
    try {
      await subscription.wait(ms, signal);
    } finally {
      subscription.close();
    }
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
      // A cooling-down request is still being waited on: its waiters wake at coolDownUntil by
      // their own timers (or on the notification of its end), not at every sweep.
      const rows = await rawSql(this.database.prisma).$queryRawUnsafe<Array<{ id: string }>>(
        `SELECT id::text FROM requests WHERE id = ANY($1::uuid[]) AND status NOT IN ('pending', 'cooling_down')`,
        ids,
      );
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
