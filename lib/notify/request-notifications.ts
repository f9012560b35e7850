// What the request flow calls, inside the transaction that changes the request: build the Slack
// message and queue it. Never throws and never aborts the caller's transaction. With the incoming
// webhook each event is a new message; with the bot the first posts the card and every later one
// updates it in place (queued in order behind it, so updates apply in the order they happened).
import type { RawTx, Tx } from "../db";
import type { Config } from "../env";
import { approvalReply, decisionMessage, pendingRequestMessage, requestCard, type MessageContext, type NotifiableRequest } from "./messages";
import { BOT_KINDS, insertDelivery, withoutFailing, type BotPayload } from "./queue";
import { getSlackSettings } from "./settings";

type NotifyConfig = Pick<Config, "publicUrl" | "slackWebhookUrl"> & Partial<Pick<Config, "slackBot">>;

/** The reviewers who have approved, in order, as the caller's transaction sees them. */
async function approversOf(tx: Tx, requestId: string): Promise<string[]> {
  const reviews = await tx.review.findMany({
    where: { requestId, decision: "approve" },
    orderBy: { createdAt: "asc" },
    select: { reviewer: { select: { name: true, email: true } } },
  });
  return reviews.map((r) => r.reviewer.name ?? r.reviewer.email);
}

/** The bot posted this request's card (or is about to): later events update it. */
async function botAnnounced(tx: Tx, requestId: string): Promise<boolean> {
  return Boolean(await tx.notificationDelivery.findFirst({ where: { requestId, kind: BOT_KINDS.post }, select: { id: true } }));
}

/** The environment's tier as the request flow sees it: an undefined environment is production. */
async function tierOf(tx: RawTx, environment: string): Promise<"production" | "other"> {
  const [env] = await tx.$queryRawUnsafe<Array<{ tier: string }>>(`SELECT tier::text AS tier FROM environments WHERE name = $1`, environment);
  return env?.tier === "other" ? "other" : "production";
}

/**
 * A request is now waiting for people: queue the Slack message with the link to review it.
 * Skipped (null) when no webhook is configured. Returns the delivery id.
 */
export async function notifyRequestPending(
  tx: RawTx,
  request: NotifiableRequest,
  agentName: string,
  cfg: NotifyConfig,
  context: MessageContext = {},
): Promise<string | null> {
  return withoutFailing(tx, { kind: "request.pending", requestId: request.id }, async () => {
    const slack = await getSlackSettings(tx, cfg);
    if (slack.bot) {
      const tier = context.tier ?? (await tierOf(tx, request.environment));
      const payload: BotPayload = { message: pendingRequestMessage(request, agentName, cfg, { ...context, tier }) };
      return insertDelivery(tx, { kind: BOT_KINDS.post, requestId: request.id, payload });
    }
    if (!slack.webhookUrl) return null;
    const tier = context.tier ?? (await tierOf(tx, request.environment));
    const payload = pendingRequestMessage(request, agentName, cfg, { ...context, tier });
    return insertDelivery(tx, { kind: "request.pending", requestId: request.id, payload });
  });
}

/**
 * A request reviewers were told about changed state (approved, denied, expired, cancelled,
 * revoked, executed, failed): queue the follow-up. Only requests that had a pending message get
 * one, so policy's instant decisions stay quiet. Call after the status update, in the same
 * transaction.
 */
export async function notifyRequestDecided(
  tx: Tx,
  request: NotifiableRequest,
  agentName: string,
  cfg: NotifyConfig,
  context: MessageContext = {},
): Promise<string | null> {
  return withoutFailing(tx, { kind: "request.decided", requestId: request.id, status: request.status }, async () => {
    if (request.status === "pending") return null;
    const slack = await getSlackSettings(tx, cfg);
    if (slack.bot) {
      if (!(await botAnnounced(tx, request.id))) return null;
      const tier = context.tier ?? (await tierOf(tx, request.environment));
      const approvedBy = context.approvedBy ?? (await approversOf(tx, request.id));
      const payload: BotPayload = { message: requestCard(request, agentName, cfg, { ...context, tier, approvedBy }) };
      return insertDelivery(tx, { kind: BOT_KINDS.update, requestId: request.id, payload });
    }
    if (!slack.webhookUrl) return null;
    const announced = await tx.notificationDelivery.findFirst({
      where: { requestId: request.id, kind: "request.pending" },
      select: { id: true },
    });
    if (!announced) return null;
    const tier = context.tier ?? (await tierOf(tx, request.environment));
    const payload = decisionMessage(request, agentName, cfg, { ...context, tier });
    return insertDelivery(tx, { kind: "request.decided", requestId: request.id, payload });
  });
}

/**
 * The same, for code that holds only the id (expiry sweeps, cancel, outcome): reads the request
 * as the caller's transaction sees it, i.e. with the new status.
 */
export async function notifyRequestDecidedById(
  tx: Tx,
  requestId: string,
  cfg: NotifyConfig,
  context: MessageContext = {},
): Promise<string | null> {
  return withoutFailing(tx, { kind: "request.decided", requestId }, async () => {
    const request = await tx.request.findUnique({ where: { id: requestId }, include: { agent: { select: { name: true } } } });
    if (!request) return null;
    return notifyRequestDecided(tx, request, request.agent.name, cfg, context);
  });
}

/**
 * An approval arrived that did not decide the request (1 of 2), or that started the cool-down.
 * The bot updates the card to show it and replies in the card's thread; the webhook posts the card
 * again with the approvals so far. Call after the review row is written, in the same transaction.
 */
export async function notifyApprovalArrived(
  tx: Tx,
  request: NotifiableRequest,
  agentName: string,
  cfg: NotifyConfig,
  context: MessageContext = {},
): Promise<string | null> {
  return withoutFailing(tx, { kind: "request.approval", requestId: request.id }, async () => {
    const slack = await getSlackSettings(tx, cfg);
    if (!slack.bot && !slack.webhookUrl) return null;
    const announced = slack.bot
      ? await botAnnounced(tx, request.id)
      : Boolean(await tx.notificationDelivery.findFirst({ where: { requestId: request.id, kind: "request.pending" }, select: { id: true } }));
    if (!announced) return null;
    const tier = context.tier ?? (await tierOf(tx, request.environment));
    const approvedBy = context.approvedBy ?? (await approversOf(tx, request.id));
    const card = requestCard(request, agentName, cfg, { ...context, tier, approvedBy });
    if (slack.bot) {
      const payload: BotPayload = { message: card, reply: request.status === "pending" ? approvalReply(request, approvedBy) : null };
      return insertDelivery(tx, { kind: BOT_KINDS.update, requestId: request.id, payload });
    }
    return insertDelivery(tx, { kind: "request.decided", requestId: request.id, payload: card });
  });
}

/**
 * Brings the bot's card up to date without a webhook follow-up: for changes the webhook reports
 * otherwise (a quarantine posts one alert for all the requests it closes).
 */
export async function updateBotCardById(tx: Tx, requestId: string, cfg: NotifyConfig): Promise<string | null> {
  return withoutFailing(tx, { kind: BOT_KINDS.update, requestId }, async () => {
    if (!(await getSlackSettings(tx, cfg)).bot) return null;
    return notifyRequestDecidedById(tx, requestId, cfg);
  });
}
