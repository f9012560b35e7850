// Coalesces reads by key: every caller in the same turn of the event loop shares one query. A burst
// of agents opening long-polls (thousands within a second) then costs a few queries, not one or
// three each, so the connection pool stays free for everything else.
export type BatchLoader<K, V> = (keys: K[]) => Promise<Map<K, V>>;

export interface Batcher<K, V> {
  /** The value for `key`, or undefined when the loader found none. */
  load(key: K): Promise<V | undefined>;
}

export function createBatcher<K, V>(loader: BatchLoader<K, V>, maxBatch = 500): Batcher<K, V> {
  let pending: Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (e: unknown) => void }>> | null = null;

  const flush = (batch: NonNullable<typeof pending>) => {
    loader([...batch.keys()]).then(
      (found) => {
        for (const [key, callers] of batch) for (const c of callers) c.resolve(found.get(key));
      },
      (error) => {
        for (const callers of batch.values()) for (const c of callers) c.reject(error);
      },
    );
  };

  return {
    load(key) {
      return new Promise<V | undefined>((resolve, reject) => {
        if (!pending) {
          const batch = (pending = new Map());
          // After the current I/O callbacks: every request that arrived with this one joins it.
          setImmediate(() => {
            // A batch that filled up early has been sent already.
            if (pending !== batch) return;
            pending = null;
            flush(batch);
          });
        }
        const callers = pending.get(key);
        if (callers) callers.push({ resolve, reject });
        else pending.set(key, [{ resolve, reject }]);
        if (pending.size >= maxBatch) {
          const full = pending;
          pending = null;
          flush(full);
        }
      });
    },
  };
}

/** One batcher per database client (the server, each test's database) and per kind of read. */
export function batcherFor<K, V>(cache: WeakMap<object, Batcher<K, V>>, client: object, make: () => Batcher<K, V>): Batcher<K, V> {
  let batcher = cache.get(client);
  if (!batcher) cache.set(client, (batcher = make()));
  return batcher;
}
