// Failed authentication is counted per source and minute, not chained one audit row per attempt,
// so a flood cannot clog the audit log. Limits use each source's exact count; the audit log gets,
// per kind and closed window, one row for each of the SOURCES_PER_WINDOW busiest sources and one
// OTHER_SOURCES row for the rest, so a flush writes a bounded number of rows however many
// sources there were.
import type { PrismaClient } from "../db";
import { appendAudit } from "../audit";

export const FAILURE_WINDOW_MS = 60_000;
/** Failures from one source within a window before it is refused outright (429). */
export const FAILURE_LIMIT = 20;
/** Sources of one kind audited one row each per window; the rest share one row. */
export const SOURCES_PER_WINDOW = 50;
/** The `source` of the row for sources past SOURCES_PER_WINDOW (no real source has this form). */
export const OTHER_SOURCES = "(other sources)";

export type FailureKind = "api_key" | "sign_in" | "grant" | "redeem_refused" | "reviewer_refused";

export function windowStart(now: Date): Date {
  return new Date(Math.floor(now.getTime() / FAILURE_WINDOW_MS) * FAILURE_WINDOW_MS);
}

/**
 * Counts one failure; returns how many this source has in the current window and the one before.
 * Both, so that failures on either side of a minute's boundary (19 at :59, then more at :00) still
 * add up to the limit: a source is refused after FAILURE_LIMIT failures within at most two minutes.
 */
export async function recordAuthFailure(prisma: PrismaClient, source: string, kind: FailureKind, now = new Date()): Promise<number> {
  const start = windowStart(now);
  const rows = await prisma.$queryRawUnsafe<Array<{ count: number; before: number | null }>>(
    `WITH counted AS (
       INSERT INTO auth_failures (source, kind, window_start, count, last_at) VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (source, kind, window_start) DO UPDATE SET count = auth_failures.count + 1, last_at = EXCLUDED.last_at
       RETURNING count
     )
     SELECT counted.count,
            (SELECT p.count FROM auth_failures p WHERE p.source = $1 AND p.kind = $2 AND p.window_start = $5) AS before
       FROM counted`,
    source.slice(0, 200),
    kind,
    start,
    now,
    new Date(start.getTime() - FAILURE_WINDOW_MS),
  );
  return Number(rows[0]?.count ?? 1) + Number(rows[0]?.before ?? 0);
}

/** This source's failures in the current window and the one before (see recordAuthFailure). */
export async function failureCount(prisma: PrismaClient, source: string, kind: FailureKind, now = new Date()): Promise<number> {
  const start = windowStart(now);
  const rows = await prisma.authFailure.findMany({
    where: { source: source.slice(0, 200), kind, windowStart: { in: [start, new Date(start.getTime() - FAILURE_WINDOW_MS)] } },
    select: { count: true },
  });
  return rows.reduce((sum, row) => sum + row.count, 0);
}

type FailureRow = { source: string; kind: string; window_start: Date; count: number; last_at: Date };

/**
 * Writes the `auth.failures` audit rows of every closed window: at most SOURCES_PER_WINDOW + 1 per
 * kind and window. Returns the number of rows written. Safe to run on every instance.
 */
export async function flushAuthFailures(prisma: PrismaClient, now = new Date()): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const closed = await tx.$queryRawUnsafe<FailureRow[]>(
      `UPDATE auth_failures SET flushed_at = $1 WHERE flushed_at IS NULL AND window_start < $2
       RETURNING source, kind, window_start, count, last_at`,
      now,
      windowStart(now),
    );
    const groups = new Map<string, FailureRow[]>();
    for (const row of closed) {
      const key = `${new Date(row.window_start).toISOString()} ${row.kind}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    let written = 0;
    for (const key of [...groups.keys()].sort()) {
      const rows = groups.get(key)!;
      const busiest = [...rows].sort((a, b) => Number(b.count) - Number(a.count) || a.source.localeCompare(b.source));
      const entries: Array<{ source: string; count: number; lastAt: Date; sources?: number }> = busiest
        .slice(0, SOURCES_PER_WINDOW)
        .map((r) => ({ source: r.source, count: Number(r.count), lastAt: new Date(r.last_at) }));
      const rest = busiest.slice(SOURCES_PER_WINDOW);
      if (rest.length) {
        entries.push({
          source: OTHER_SOURCES,
          sources: rest.length,
          count: rest.reduce((sum, r) => sum + Number(r.count), 0),
          lastAt: new Date(Math.max(...rest.map((r) => new Date(r.last_at).getTime()))),
        });
      }
      for (const entry of entries) {
        await appendAudit(tx, {
          type: "auth.failures",
          actor: { type: "anonymous" },
          data: {
            source: entry.source,
            kind: rows[0].kind,
            windowStart: new Date(rows[0].window_start).toISOString(),
            count: entry.count,
            ...(entry.sources ? { sources: entry.sources } : {}),
            lastAt: entry.lastAt.toISOString(),
          },
        });
        written++;
      }
    }
    // Old flushed windows carry nothing the audit log does not already hold.
    await tx.$executeRawUnsafe(`DELETE FROM auth_failures WHERE flushed_at IS NOT NULL AND window_start < $1`, new Date(now.getTime() - 86_400_000));
    return written;
  });
}
