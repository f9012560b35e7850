// Coalesces reads by key: every caller in the same turn of the event loop shares one query, and
// while the batcher's query is in flight (`maxInFlight`, one by default) later callers gather into
// the next one. A burst of agents opening long-polls (thousands within a second, arriving a few per
// turn on a busy machine) then costs a few queries, not one or three each, so the connection pool
// stays free for everything else; a lone caller on an idle server is sent at once. With
// `gatherMs`, callers that arrived while a load was in flight (so others are arriving too) wait
// that much longer for company before their load is sent: a burst arriving one every millisecond,
// each a little behind the last, then shares a query per `gatherMs` instead of one per round trip.
export type BatchLoader<K, V> = (keys: K[]) => Promise<Map<K, V>>;

export interface Batcher<K, V> {
  /** The value for `key`, or undefined when the loader found none. */
  load(key: K): Promise<V | undefined>;
}

type Batch<K, V> = Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (e: unknown) => void }>>;

export interface BatcherOptions {
  /** Keys per load at most (default 500). */
  maxBatch?: number;
  /** Loads running at once (default 1). */
  maxInFlight?: number;
  /** How long callers gathered during a load wait for more before theirs is sent (default 0). */
  gatherMs?: number;
}

export function createBatcher<K, V>(loader: BatchLoader<K, V>, { maxBatch = 500, maxInFlight = 1, gatherMs = 0 }: BatcherOptions = {}): Batcher<K, V> {
  /** The batch gathering callers. */
  let open: Batch<K, V> | null = null;
  /** Batches that filled up while `maxInFlight` loads were running, in order. */
  const full: Array<Batch<K, V>> = [];
  let inFlight = 0;
  let scheduled = false;
  /** The gathering batch is held for `gatherMs`: only full batches go meanwhile. */
  let holding = false;

  const send = (batch: Batch<K, V>) => {
    inFlight++;
    loader([...batch.keys()])
      .then(
        (found) => {
          for (const [key, callers] of batch) for (const c of callers) c.resolve(found.get(key));
        },
        (error) => {
          for (const callers of batch.values()) for (const c of callers) c.reject(error);
        },
      )
      .finally(() => {
        inFlight--;
        if (gatherMs > 0 && open && !holding) {
          holding = true;
          setTimeout(() => {
            holding = false;
            pump();
          }, gatherMs);
        }
        pump();
      });
  };

  /** Sends waiting batches while there is room: full ones first, then the one gathering. */
  const pump = () => {
    while (inFlight < maxInFlight) {
      const batch = full.shift() ?? (holding ? null : open);
      if (!batch) return;
      if (batch === open) open = null;
      send(batch);
    }
  };

  return {
    load(key) {
      return new Promise<V | undefined>((resolve, reject) => {
        const batch = (open ??= new Map());
        const callers = batch.get(key);
        if (callers) callers.push({ resolve, reject });
        else batch.set(key, [{ resolve, reject }]);
        if (batch.size >= maxBatch) {
          open = null;
          full.push(batch);
          pump();
        }
        if (!scheduled) {
          scheduled = true;
          // After the current I/O callbacks: every request that arrived with this one joins it.
          setImmediate(() => {
            scheduled = false;
            pump();
          });
        }
      });
    },
  };
}

/**
 * The gatherMs of the reads every call of a burst of agents makes (its key, its request): a burst
 * arriving a few a millisecond shares a read per 10 ms instead of one per round trip; a lone
 * caller is not held.
 */
export const BURST_GATHER_MS = 10;

/** One batcher per database client (the server, each test's database) and per kind of read. */
export function batcherFor<K, V>(cache: WeakMap<object, Batcher<K, V>>, client: object, make: () => Batcher<K, V>): Batcher<K, V> {
  let batcher = cache.get(client);
  if (!batcher) cache.set(client, (batcher = make()));
  return batcher;
}
