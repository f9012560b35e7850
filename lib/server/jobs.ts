// Background loops every instance runs. Each is safe to run on several instances at once: the
// database decides who does what (conditional updates, SKIP LOCKED).
import type { Database } from "../db";
import { expireDueRequests, finishCoolDowns } from "../requests/expire-requests";
import { flushAuthFailures } from "../auth/failures";
import { log } from "../log";

export interface Job {
  name: string;
  everyMs: number;
  run(database: Database): Promise<unknown>;
}

export const JOBS: Job[] = [
  { name: "expire-requests", everyMs: 2_000, run: (d) => expireDueRequests(d.prisma) },
  { name: "finish-cool-downs", everyMs: 1_000, run: (d) => finishCoolDowns(d.prisma) },
  { name: "flush-auth-failures", everyMs: 30_000, run: (d) => flushAuthFailures(d.prisma) },
];

/** Starts the loops; the returned function stops them and waits for runs in progress. */
export function startJobs(database: Database, jobs: Job[] = JOBS): () => Promise<void> {
  let stopped = false;
  const running = new Set<Promise<unknown>>();
  const timers = jobs.map((job) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      const run = job
        .run(database)
        .catch((err) => log.warn("background job failed", { job: job.name, err }))
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    }, job.everyMs);
    timer.unref();
    return timer;
  });
  return async () => {
    stopped = true;
    timers.forEach(clearInterval);
    await Promise.allSettled([...running]);
  };
}
