// Which changes outgoing webhooks report, and how an audit event maps to one. Pure: the audit
// append (lib/audit) asks it which of the rows it is writing should also queue a delivery.
import type { AuditInput } from "../audit";

export const WEBHOOK_EVENT_TYPES = [
  "request.created",
  "request.decided",
  "request.executed",
  "request.failed",
  "agent.quarantined",
  "audit.checkpoint",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * One event to queue. `requestId` names the request whose current row (as the transaction sees
 * it) is added to the payload's data as `request` and `agent`; `data` is merged in beside them.
 */
export interface WebhookEvent {
  type: WebhookEventType;
  requestId: string | null;
  data: Record<string, unknown>;
}

/** Audit events that close a request one way or another: approved, denied, expired, cancelled, revoked. */
const DECISIONS = new Set(["request.approved", "request.denied", "request.expired", "request.cancelled", "request.cool_down_cancelled", "grant.revoked"]);

function eventFor(input: AuditInput): WebhookEvent | null {
  const requestId = input.subject?.type === "request" ? input.subject.id : null;
  const actor = { type: input.actor.type, id: input.actor.id ?? null };
  const data = input.data ?? {};
  if (requestId) {
    if (input.type === "request.created") return { type: "request.created", requestId, data: { actor } };
    // Policy decided at once (allowed or denied when the request was made).
    if (input.type === "policy.decided" && (data.effect === "allow" || data.effect === "deny")) {
      return { type: "request.decided", requestId, data: { actor } };
    }
    if (DECISIONS.has(input.type)) return { type: "request.decided", requestId, data: { actor } };
    if (input.type === "request.outcome" && (data.status === "executed" || data.status === "failed")) {
      return { type: data.status === "executed" ? "request.executed" : "request.failed", requestId, data: { actor } };
    }
    return null;
  }
  if (input.type === "agent.quarantined" && input.subject?.type === "agent") {
    return {
      type: "agent.quarantined",
      requestId: null,
      data: {
        agent: { id: input.subject.id, name: data.name ?? null },
        reason: data.reason ?? null,
        deniedRequests: [...((data.deniedPending as unknown[]) ?? []), ...((data.deniedCoolingDown as unknown[]) ?? [])],
        revokedGrants: data.revokedGrants ?? [],
      },
    };
  }
  return null;
}

/** The webhook events a batch of audit rows stands for: at most one per type and request. */
export function webhookEventsForAudit(inputs: AuditInput[]): WebhookEvent[] {
  const seen = new Set<string>();
  const events: WebhookEvent[] = [];
  for (const input of inputs) {
    const event = eventFor(input);
    if (!event) continue;
    const key = `${event.type}:${event.requestId ?? input.subject?.id ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    events.push(event);
  }
  return events;
}
