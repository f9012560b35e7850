// A fixed-window limiter in process memory. It only sheds load: counts that matter (failed
// authentication) live in the database.
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts a hit; returns the seconds to wait when over the limit, else 0. */
  hit(key: string, now = Date.now()): number {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    const current = this.windows.get(key);
    if (!current || current.start !== start) {
      if (this.windows.size > 10_000) this.prune(start);
      this.windows.set(key, { start, count: 1 });
      return 0;
    }
    current.count++;
    return current.count > this.limit ? Math.ceil((start + this.windowMs - now) / 1000) : 0;
  }

  private prune(start: number) {
    for (const [key, w] of this.windows) if (w.start !== start) this.windows.delete(key);
  }
}
