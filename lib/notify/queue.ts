// The delivery queue. A notification is queued in the transaction that changes the request, so
// it exists exactly when the change commits; a worker on any instance claims due rows (SKIP
// LOCKED plus a lease), posts them, and retries failures with backoff. Queueing never fails or
// blocks the request: it runs under a savepoint and swallows its own errors.
import { randomUUID } from "node:crypto";
import type { PrismaClient, RawTx, Tx } from "../db";
import type { Config } from "../env";
import { log } from "../log";
import { postToSlack, SEND_TIMEOUT_MS, type FetchLike, type SendResult } from "./send";
import { getSlackBot, getSlackSettings, type SlackBot } from "./settings";
import { callSlackApi, type SlackApiResult } from "./slack-api";
import type { SlackMessage } from "./messages";

export const NOTIFY_CHANNEL = "countersign_notify";
export type NotificationKind = "request.pending" | "request.decided" | "slack.post" | "slack.update" | "test" | (string & {});

/** A claimed row is leased to one worker for this long. */
export const LEASE_MS = 30_000;
export const BATCH_SIZE = 20;
/** After this many failed attempts a delivery is marked failed. */
export const MAX_ATTEMPTS = 8;
/** Delay before attempt n+1 after n failures (the last entry repeats), before jitter. */
export const BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000];
const JITTER = 0.2;
const SAVEPOINT = "countersign_notify";

export interface EnqueueInput {
  kind: NotificationKind;
  requestId?: string | null;
  payload: unknown;
}

/** Delay before the next attempt, given how many attempts have failed so far (1-based). */
export function backoffMs(failedAttempts: number, random: () => number = Math.random): number {
  const base = BACKOFF_MS[Math.min(Math.max(failedAttempts, 1), BACKOFF_MS.length) - 1];
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

function isTransaction(client: RawTx): boolean {
  // An interactive transaction's client cannot connect or disconnect (it does have $transaction);
  // the bare driver's runner outside a transaction is the one that can start one.
  if (typeof (client as { transaction?: unknown }).transaction === "function") return false;
  return typeof (client as Partial<PrismaClient>).$connect !== "function";
}

/**
 * Runs `fn` so that its failure cannot abort the caller's transaction: inside a savepoint that is
 * rolled back on error. Returns null (and logs) instead of throwing.
 */
export async function withoutFailing<T>(
  tx: RawTx,
  what: Record<string, unknown>,
  fn: () => Promise<T | null>,
): Promise<T | null> {
  const inTransaction = isTransaction(tx);
  try {
    if (inTransaction) await tx.$executeRawUnsafe(`SAVEPOINT ${SAVEPOINT}`);
  } catch (err) {
    log.warn("could not queue a notification", { ...what, err });
    return null;
  }
  try {
    const result = await fn();
    if (inTransaction) await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return result;
  } catch (err) {
    if (inTransaction) {
      await tx
        .$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)
        .then(() => tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${SAVEPOINT}`))
        .catch((rollbackErr) => log.warn("could not roll back a failed notification", { ...what, err: rollbackErr }));
    }
    log.warn("could not queue a notification; the request goes on without it", { ...what, err });
    return null;
  }
}

/** Inserts a row and wakes the workers on commit. Throws; callers use `enqueueNotification`. */
export async function insertDelivery(tx: RawTx, input: EnqueueInput): Promise<string> {
  const id = randomUUID();
  // The row and the NOTIFY (sent on commit) in one round trip.
  await tx.$queryRawUnsafe(
    `WITH queued AS (INSERT INTO notification_deliveries (id, kind, request_id, payload) VALUES ($1::uuid, $2, $3::uuid, $4::jsonb) RETURNING id)
     SELECT pg_notify($5, id::text)::text AS notified FROM queued`,
    id,
    input.kind,
    input.requestId ?? null,
    JSON.stringify(input.payload),
    NOTIFY_CHANNEL,
  );
  return id;
}

/**
 * Queues a message. Call inside the transaction that makes the change it reports, so both commit
 * (or neither). Never throws: returns the delivery id, or null if it could not be queued.
 */
export async function enqueueNotification(tx: RawTx, input: EnqueueInput): Promise<string | null> {
  return withoutFailing(tx, { kind: input.kind, requestId: input.requestId ?? null }, () => insertDelivery(tx, input));
}

export type DeliverConfig = Pick<Config, "slackWebhookUrl" | "slackBot" | "slackApiUrl" | "authSecret">;

export interface DeliverOptions {
  /** The clock to use instead of the database's (tests drive time with it). */
  now?: Date;
  fetch?: FetchLike;
  timeoutMs?: number;
  batchSize?: number;
  random?: () => number;
}

export interface DeliveryReport {
  claimed: number;
  delivered: number;
  /** Failed this time, scheduled again. */
  retrying: number;
  /** Gave up (too many attempts, or no webhook configured). */
  failed: number;
  /** Claimed but handed back unattempted (lease running out, or Slack asked us to slow down). */
  released: number;
}

interface ClaimedRow {
  id: string;
  kind: string;
  request_id: string | null;
  payload: unknown;
  attempts: number;
  locked_until: Date;
  next_attempt_at: Date;
  created_at: Date;
  clock: Date;
}

/**
 * Claims due deliveries (each by one worker only, across instances) and posts them. Rows whose
 * request has an earlier message still waiting are left for later, so a follow-up never
 * overtakes the message it follows.
 */
export async function deliverDueNotifications(
  prisma: PrismaClient,
  cfg: DeliverConfig,
  options: DeliverOptions = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { claimed: 0, delivered: 0, retrying: 0, failed: 0, released: 0 };
  const batch = options.batchSize ?? BATCH_SIZE;
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const started = performance.now();
  const rows = await prisma.$queryRawUnsafe<ClaimedRow[]>(
    `WITH clock AS (SELECT COALESCE($1::timestamptz, now()) AS now)
     UPDATE notification_deliveries d
     SET locked_until = clock.now + $2::int * interval '1 millisecond'
     FROM clock
     WHERE d.id IN (
       SELECT c.id FROM notification_deliveries c, clock
       WHERE c.status = 'pending'
         AND c.next_attempt_at <= clock.now
         AND (c.locked_until IS NULL OR c.locked_until <= clock.now)
         AND NOT EXISTS (
           SELECT 1 FROM notification_deliveries e
           WHERE e.request_id = c.request_id AND e.status = 'pending' AND e.created_at < c.created_at
         )
       ORDER BY c.next_attempt_at, c.created_at
       LIMIT $3::int
       FOR UPDATE OF c SKIP LOCKED
     )
     RETURNING d.id, d.kind, d.request_id, d.payload, d.attempts, d.locked_until, d.next_attempt_at, d.created_at, clock.now AS clock`,
    options.now ?? null,
    LEASE_MS,
    batch,
  );
  report.claimed = rows.length;
  if (rows.length === 0) return report;
  // RETURNING does not keep the subquery's order.
  rows.sort((a, b) => +new Date(a.next_attempt_at) - +new Date(b.next_attempt_at) || +new Date(a.created_at) - +new Date(b.created_at));

  const clock0 = new Date(rows[0].clock).getTime();
  const clockNow = () => new Date(clock0 + (performance.now() - started));
  const lease = (row: ClaimedRow) => ({ id: row.id, lockedUntil: new Date(row.locked_until) });

  const { webhookUrl } = await getSlackSettings(prisma, cfg);
  let bot: SlackBot | null = null;
  let botProblem = "No Slack bot token is configured.";
  try {
    bot = await getSlackBot(prisma, cfg);
  } catch (err) {
    botProblem = err instanceof Error ? err.message : "The Slack bot token cannot be read.";
  }

  // Stop starting new posts while a whole timeout still fits in the lease, with a margin.
  const deadline = started + LEASE_MS - timeoutMs - 5_000;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (performance.now() > deadline) {
      report.released += await release(prisma, rows.slice(i));
      break;
    }
    const payload = typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload;
    let result: SendResult & { permanent?: boolean };
    if (isBotKind(row.kind)) {
      result = bot
        ? await deliverWithBot(prisma, row, payload as BotPayload, bot, cfg.slackApiUrl, { fetch: options.fetch, timeoutMs, now: clockNow() })
        : { ok: false, error: botProblem, permanent: true };
    } else if (bot) {
      // A one-off message (an alert, or one queued before the bot was set up): posted to the channel.
      const message = payload as SlackMessage;
      result = await callSlackApi(cfg.slackApiUrl, "chat.postMessage", bot.token, { channel: bot.channelId, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false }, { fetch: options.fetch, timeoutMs, now: clockNow() });
    } else {
      result = webhookUrl
        ? await postToSlack(webhookUrl, payload, { fetch: options.fetch, timeoutMs, now: clockNow() })
        : { ok: false, error: "No Slack webhook is configured.", permanent: true };
    }
    const attempts = row.attempts + 1;
    const what = { deliveryId: row.id, kind: row.kind, requestId: row.request_id, attempts };
    if (result.ok) {
      await prisma.notificationDelivery.updateMany({
        where: lease(row),
        data: { status: "delivered", attempts, deliveredAt: clockNow(), lastError: null, lockedUntil: null },
      });
      report.delivered++;
      continue;
    }
    if (attempts >= MAX_ATTEMPTS || result.permanent) {
      await prisma.notificationDelivery.updateMany({
        where: lease(row),
        data: { status: "failed", attempts, lastError: result.error, lockedUntil: null },
      });
      report.failed++;
      log.error("slack notification failed; giving up", { ...what, status: result.status, error: result.error });
      continue;
    }
    const delay = result.retryAfterMs ?? backoffMs(attempts, options.random);
    const nextAttemptAt = new Date(clockNow().getTime() + delay);
    await prisma.notificationDelivery.updateMany({
      where: lease(row),
      data: { attempts, nextAttemptAt, lastError: result.error, lockedUntil: null },
    });
    report.retrying++;
    log.warn("slack notification failed; will retry", { ...what, status: result.status, error: result.error, retryInMs: delay });
    if (result.status === 429) {
      // Slack rate-limits per webhook (and per method for the bot): the rest of the batch waits
      // too, without using up attempts.
      report.released += await release(prisma, rows.slice(i + 1), nextAttemptAt);
      break;
    }
  }
  return report;
}

/** Deliveries the bot makes (the card posted, then updated in place); the rest go to the webhook. */
export const BOT_KINDS = { post: "slack.post", update: "slack.update" } as const;
function isBotKind(kind: string): boolean {
  return kind === BOT_KINDS.post || kind === BOT_KINDS.update;
}

/** What a bot delivery carries: the card as it should now read, and an optional threaded reply. */
export interface BotPayload {
  message: SlackMessage;
  reply?: SlackMessage | null;
  /** The card was already updated by an earlier attempt; only the reply is left. */
  replyOnly?: boolean;
}

/**
 * Posts the card (remembering its channel and ts against the request) or updates the one posted,
 * then posts the reply in its thread. A card whose first post never made it is posted now, so
 * Slack still ends up showing the request's current state.
 */
async function deliverWithBot(
  prisma: PrismaClient,
  row: ClaimedRow,
  payload: BotPayload,
  bot: SlackBot,
  apiUrl: string,
  options: { fetch?: FetchLike; timeoutMs: number; now: Date },
): Promise<SendResult & { permanent?: boolean }> {
  const { text, blocks } = payload.message;
  let posted = row.request_id ? await prisma.slackMessage.findUnique({ where: { requestId: row.request_id } }) : null;
  if (!payload.replyOnly) {
    let result: SlackApiResult;
    if (posted && row.kind === BOT_KINDS.post) {
      // An earlier attempt posted it and then could not record the delivery: do not post twice.
      return { ok: true, status: 200 };
    } else if (posted) {
      result = await callSlackApi(apiUrl, "chat.update", bot.token, { channel: posted.channel, ts: posted.ts, text, blocks }, options);
    } else {
      result = await callSlackApi(apiUrl, "chat.postMessage", bot.token, { channel: bot.channelId, text, blocks, unfurl_links: false, unfurl_media: false }, options);
      if (result.ok && result.ts && row.request_id) {
        const coordinates = { channel: result.channel ?? bot.channelId, ts: result.ts };
        posted = await prisma.slackMessage.upsert({ where: { requestId: row.request_id }, create: { requestId: row.request_id, ...coordinates }, update: coordinates });
      }
    }
    if (!result.ok) return result;
  }
  if (!payload.reply || !posted) return { ok: true, status: 200 };
  const reply = await callSlackApi(
    apiUrl,
    "chat.postMessage",
    bot.token,
    { channel: posted.channel, thread_ts: posted.ts, text: payload.reply.text, blocks: payload.reply.blocks, unfurl_links: false, unfurl_media: false },
    options,
  );
  if (!reply.ok && !payload.replyOnly) {
    // The card is current; a retry only owes the reply.
    await prisma.notificationDelivery.updateMany({
      where: { id: row.id, lockedUntil: new Date(row.locked_until) },
      data: { payload: { ...payload, replyOnly: true } as object },
    });
  }
  return reply;
}

/** Hands claimed rows back unattempted, optionally not before `notBefore`. */
async function release(prisma: PrismaClient, rows: ClaimedRow[], notBefore?: Date): Promise<number> {
  let released = 0;
  for (const row of rows) {
    const { count } = await prisma.notificationDelivery.updateMany({
      where: { id: row.id, lockedUntil: new Date(row.locked_until) },
      data: { lockedUntil: null, ...(notBefore ? { nextAttemptAt: notBefore } : {}) },
    });
    released += count;
  }
  return released;
}

/** Deletes old finished deliveries: delivered after `deliveredDays`, failed after `failedDays`. */
export async function pruneDeliveries(
  prisma: PrismaClient,
  options: { deliveredDays?: number; failedDays?: number; now?: Date } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const day = 24 * 60 * 60 * 1000;
  const { count } = await prisma.notificationDelivery.deleteMany({
    where: {
      OR: [
        { status: "delivered", createdAt: { lt: new Date(now.getTime() - (options.deliveredDays ?? 7) * day) } },
        { status: "failed", createdAt: { lt: new Date(now.getTime() - (options.failedDays ?? 30) * day) } },
      ],
    },
  });
  return count;
}
