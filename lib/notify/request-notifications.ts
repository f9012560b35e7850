// What the request flow calls, inside the transaction that changes the request: build the Slack
// message and queue it. Never throws and never aborts the caller's transaction.
import type { Tx } from "../db";
import type { Config } from "../env";
import { decisionMessage, pendingRequestMessage, type MessageContext, type NotifiableRequest } from "./messages";
import { insertDelivery, withoutFailing } from "./queue";
import { getSlackSettings } from "./settings";

type NotifyConfig = Pick<Config, "publicUrl" | "slackWebhookUrl">;

/** The environment's tier as the request flow sees it: an undefined environment is production. */
async function tierOf(tx: Tx, environment: string): Promise<"production" | "other"> {
  const env = await tx.environment.findUnique({ where: { name: environment }, select: { tier: true } });
  return env?.tier === "other" ? "other" : "production";
}

/**
 * A request is now waiting for people: queue the Slack message with the link to review it.
 * Skipped (null) when no webhook is configured. Returns the delivery id.
 */
export async function notifyRequestPending(
  tx: Tx,
  request: NotifiableRequest,
  agentName: string,
  cfg: NotifyConfig,
  context: MessageContext = {},
): Promise<string | null> {
  return withoutFailing(tx, { kind: "request.pending", requestId: request.id }, async () => {
    if (!(await getSlackSettings(tx, cfg)).webhookUrl) return null;
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
    if (!(await getSlackSettings(tx, cfg)).webhookUrl) return null;
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
