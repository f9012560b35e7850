// Delivering queued webhook events: a worker on any instance claims due rows (SKIP LOCKED plus a
// lease), signs each with the endpoint's secret per Standard Webhooks (webhook-id, -timestamp and
// -signature headers, by the specification's own library), POSTs it with a timeout, and records
// the attempt: delivered, retried with exponential backoff, or failed after the last attempt.
import { Webhook } from "standardwebhooks";
import type { PrismaClient } from "../db";
import type { Config } from "../env";
import { log } from "../log";
import { parseRetryAfter, type FetchLike } from "../notify/send";
import { decryptWebhookSecret } from "./secret";
import { resolvedUrlProblem, webhookUrlProblem } from "./url";

export const WEBHOOK_TIMEOUT_MS = 10_000;
/** A claimed row is leased to one worker for this long. */
export const WEBHOOK_LEASE_MS = 60_000;
export const WEBHOOK_BATCH_SIZE = 20;
/** Delay before attempt n+1 after n failed attempts: 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h. */
export const WEBHOOK_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000];
/** The attempt after which a delivery is marked failed (about ten hours after the first). */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_BACKOFF_MS.length + 1;
const JITTER = 0.1;
const MAX_ERROR_BODY = 200;

type DeliverConfig = Pick<Config, "authSecret" | "publicUrl" | "port">;

export function webhookBackoffMs(failedAttempts: number, random: () => number = Math.random): number {
  const base = WEBHOOK_BACKOFF_MS[Math.min(Math.max(failedAttempts, 1), WEBHOOK_BACKOFF_MS.length) - 1];
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

export interface WebhookDeliverOptions {
  /** The clock to schedule by instead of the database's (tests drive time with it). Signatures always use real time. */
  now?: Date;
  fetch?: FetchLike;
  timeoutMs?: number;
  batchSize?: number;
  random?: () => number;
}

export interface WebhookDeliveryReport {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
  released: number;
}

interface ClaimedRow {
  id: string;
  endpoint_id: string;
  event_type: string;
  payload: string;
  attempts: number;
  locked_until: Date;
  next_attempt_at: Date;
  seq: string;
  clock: Date;
}

type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string; retryAfterMs?: number };

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; cause?: { code?: unknown; name?: unknown } } | undefined;
  if (err?.name === "TimeoutError" || err?.name === "AbortError" || err?.cause?.name === "TimeoutError") return `timed out after ${timeoutMs / 1000} s`;
  const code = typeof err?.cause?.code === "string" ? err.cause.code : undefined;
  return code && /^[A-Z0-9_]{2,40}$/.test(code) ? `network error (${code})` : "network error";
}

/** Signs and POSTs one delivery. Redirects are not followed: a 3xx is a failed attempt. */
export async function postWebhook(
  url: string,
  secret: string,
  delivery: { id: string; payload: string },
  options: { fetch?: FetchLike; timeoutMs?: number; now?: Date } = {},
): Promise<Attempt> {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const doFetch = options.fetch ?? (globalThis.fetch as FetchLike);
  const sentAt = new Date();
  const signature = new Webhook(secret).sign(delivery.id, sentAt, delivery.payload);
  let response: Response;
  let body = "";
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Countersign-Webhooks",
        "webhook-id": delivery.id,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body: delivery.payload,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.text().catch(() => "");
  } catch (error) {
    return { ok: false, status: null, error: describeNetworkError(error, timeoutMs) };
  }
  if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
  const detail = body.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim().slice(0, MAX_ERROR_BODY);
  const attempt: Attempt = { ok: false, status: response.status, error: `HTTP ${response.status}${detail ? `: ${detail}` : ""}` };
  if (response.status === 429 || response.status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), options.now);
    if (retryAfterMs !== undefined) attempt.retryAfterMs = retryAfterMs;
  }
  return attempt;
}

/** Claims due deliveries of enabled endpoints (each by one worker, across instances) and sends them. */
export async function deliverDueWebhooks(prisma: PrismaClient, cfg: DeliverConfig, options: WebhookDeliverOptions = {}): Promise<WebhookDeliveryReport> {
  const report: WebhookDeliveryReport = { claimed: 0, delivered: 0, retrying: 0, failed: 0, released: 0 };
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const started = performance.now();
  const rows = await prisma.$queryRawUnsafe<ClaimedRow[]>(
    `WITH clock AS (SELECT COALESCE($1::timestamptz, now()) AS now)
     UPDATE webhook_deliveries d
     SET locked_until = clock.now + $2::int * interval '1 millisecond'
     FROM clock
     WHERE d.id IN (
       SELECT c.id FROM webhook_deliveries c JOIN webhook_endpoints w ON w.id = c.endpoint_id, clock
       WHERE c.status = 'pending' AND w.enabled
         AND c.next_attempt_at <= clock.now
         AND (c.locked_until IS NULL OR c.locked_until <= clock.now)
       ORDER BY c.next_attempt_at, c.seq
       LIMIT $3::int
       FOR UPDATE OF c SKIP LOCKED
     )
     RETURNING d.id, d.endpoint_id, d.event_type, d.payload::text AS payload, d.attempts, d.locked_until, d.next_attempt_at, d.seq::text AS seq, clock.now AS clock`,
    options.now ?? null,
    WEBHOOK_LEASE_MS,
    options.batchSize ?? WEBHOOK_BATCH_SIZE,
  );
  report.claimed = rows.length;
  if (rows.length === 0) return report;
  // RETURNING does not keep the subquery's order.
  rows.sort((a, b) => +new Date(a.next_attempt_at) - +new Date(b.next_attempt_at) || Number(BigInt(a.seq) - BigInt(b.seq)));
  const endpoints = new Map(
    (await prisma.webhookEndpoint.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.endpoint_id))] } }, select: { id: true, url: true, secretEnvelope: true } })).map((e) => [e.id, e]),
  );
  const clock0 = new Date(rows[0].clock).getTime();
  const clockNow = () => new Date(clock0 + (performance.now() - started));
  // Stop starting new posts while a whole timeout still fits in the lease, with a margin.
  const deadline = started + WEBHOOK_LEASE_MS - timeoutMs - 5_000;

  for (const [i, row] of rows.entries()) {
    if (performance.now() > deadline) {
      for (const rest of rows.slice(i)) {
        const { count } = await prisma.webhookDelivery.updateMany({ where: { id: rest.id, lockedUntil: new Date(rest.locked_until) }, data: { lockedUntil: null } });
        report.released += count;
      }
      break;
    }
    const endpoint = endpoints.get(row.endpoint_id);
    let attempt: Attempt;
    if (!endpoint) {
      attempt = { ok: false, status: null, error: "the endpoint was removed" };
    } else {
      const problem = webhookUrlProblem(endpoint.url, cfg) ?? (await resolvedUrlProblem(endpoint.url, cfg));
      if (problem) attempt = { ok: false, status: null, error: `refused: ${problem}` };
      else {
        try {
          const secret = decryptWebhookSecret(endpoint.secretEnvelope, cfg.authSecret, endpoint.id);
          attempt = await postWebhook(endpoint.url, secret, { id: row.id, payload: row.payload }, { fetch: options.fetch, timeoutMs, now: clockNow() });
        } catch (error) {
          attempt = { ok: false, status: null, error: error instanceof Error ? error.message : "could not sign" };
        }
      }
    }
    const attempts = row.attempts + 1;
    const lastAttemptAt = clockNow();
    const lease = { id: row.id, lockedUntil: new Date(row.locked_until) };
    const what = { deliveryId: row.id, endpointId: row.endpoint_id, event: row.event_type, attempts };
    if (attempt.ok) {
      await prisma.webhookDelivery.updateMany({
        where: lease,
        data: { status: "delivered", attempts, lastAttemptAt, deliveredAt: lastAttemptAt, lastStatusCode: attempt.status, lastError: null, lockedUntil: null },
      });
      report.delivered++;
      continue;
    }
    const last = { attempts, lastAttemptAt, lastStatusCode: attempt.status, lastError: attempt.error, lockedUntil: null };
    if (attempts >= WEBHOOK_MAX_ATTEMPTS) {
      await prisma.webhookDelivery.updateMany({ where: lease, data: { ...last, status: "failed" } });
      report.failed++;
      log.error("webhook delivery failed; giving up", { ...what, status: attempt.status, error: attempt.error });
      continue;
    }
    const delay = attempt.retryAfterMs ?? webhookBackoffMs(attempts, options.random);
    await prisma.webhookDelivery.updateMany({ where: lease, data: { ...last, nextAttemptAt: new Date(lastAttemptAt.getTime() + delay) } });
    report.retrying++;
    log.warn("webhook delivery failed; will retry", { ...what, status: attempt.status, error: attempt.error, retryInMs: delay });
  }
  return report;
}

/** Deletes old finished deliveries: delivered after `deliveredDays`, failed after `failedDays`. */
export async function pruneWebhookDeliveries(prisma: PrismaClient, options: { deliveredDays?: number; failedDays?: number; now?: Date } = {}): Promise<number> {
  const now = options.now ?? new Date();
  const day = 24 * 60 * 60 * 1000;
  const { count } = await prisma.webhookDelivery.deleteMany({
    where: {
      OR: [
        { status: "delivered", createdAt: { lt: new Date(now.getTime() - (options.deliveredDays ?? 7) * day) } },
        { status: "failed", createdAt: { lt: new Date(now.getTime() - (options.failedDays ?? 30) * day) } },
      ],
    },
  });
  return count;
}
