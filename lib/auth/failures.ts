// Failed authentication is counted per source and minute, not chained one audit row per attempt,
// so a flood cannot clog the audit log. Closed windows are flushed into one audit row each.
import type { PrismaClient } from "../db";
import { appendAudit } from "../audit";

export const FAILURE_WINDOW_MS = 60_000;
/** Failures from one source within a window before it is refused outright (429). */
export const FAILURE_LIMIT = 20;

export type FailureKind = "api_key" | "sign_in" | "grant";

export function windowStart(now: Date): Date {
  return new Date(Math.floor(now.getTime() / FAILURE_WINDOW_MS) * FAILURE_WINDOW_MS);
}

/** Counts one failure; returns how many this source has in the current window. */
export async function recordAuthFailure(prisma: PrismaClient, source: string, kind: FailureKind, now = new Date()): Promise<number> {
  const start = windowStart(now);
  const rows = await prisma.$queryRawUnsafe<Array<{ count: number }>>(
    `INSERT INTO auth_failures (source, kind, window_start, count, last_at) VALUES ($1, $2, $3, 1, $4)
     ON CONFLICT (source, kind, window_start) DO UPDATE SET count = auth_failures.count + 1, last_at = EXCLUDED.last_at
     RETURNING count`,
    source.slice(0, 200),
    kind,
    start,
    now,
  );
  return Number(rows[0]?.count ?? 1);
}

export async function failureCount(prisma: PrismaClient, source: string, kind: FailureKind, now = new Date()): Promise<number> {
  const row = await prisma.authFailure.findUnique({
    where: { source_kind_windowStart: { source: source.slice(0, 200), kind, windowStart: windowStart(now) } },
  });
  return row?.count ?? 0;
}

/** Writes one `auth.failures` audit row per closed window. Safe to run on every instance. */
export async function flushAuthFailures(prisma: PrismaClient, now = new Date()): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const closed = await tx.$queryRawUnsafe<Array<{ source: string; kind: string; window_start: Date; count: number; last_at: Date }>>(
      `UPDATE auth_failures SET flushed_at = $1 WHERE flushed_at IS NULL AND window_start < $2
       RETURNING source, kind, window_start, count, last_at`,
      now,
      windowStart(now),
    );
    for (const row of closed.sort((a, b) => a.window_start.getTime() - b.window_start.getTime())) {
      await appendAudit(tx, {
        type: "auth.failures",
        actor: { type: "anonymous" },
        data: {
          source: row.source,
          kind: row.kind,
          windowStart: new Date(row.window_start).toISOString(),
          count: Number(row.count),
          lastAt: new Date(row.last_at).toISOString(),
        },
      });
    }
    // Old flushed windows carry nothing the audit log does not already hold.
    await tx.$executeRawUnsafe(`DELETE FROM auth_failures WHERE flushed_at IS NOT NULL AND window_start < $1`, new Date(now.getTime() - 86_400_000));
    return closed.length;
  });
}
