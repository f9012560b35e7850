// Pieces every request operation needs: the row shape with its grant and reviews, the database
// clock, and the transitions' common audit/notify step.
import type { RawTx } from "../db";
import { appendAuditEvents, type AuditInput, type WritesFirst } from "../audit";
import { REQUEST_CHANNEL, notifyRequestChanged } from "./events";

export const REQUEST_INCLUDE = {
  grant: { select: { token: true, expiresAt: true, redeemedAt: true, revokedAt: true, jti: true, redeemedByKeyId: true } },
  reviews: { select: { decision: true, reviewerId: true, reason: true, createdAt: true } },
} as const;

export { dbNow } from "../db/clock";

/** Locks a request row for the rest of the transaction. */
export async function lockRequest(tx: RawTx, id: string): Promise<boolean> {
  const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM requests WHERE id = $1::uuid FOR UPDATE`, id);
  return rows.length === 1;
}

/**
 * Records a state change: its audit rows, then the notification that wakes waiters on commit.
 * `writesFirst`, with events only, go in the statement that reads the audit chain's head.
 */
export async function recordTransition(tx: RawTx, requestId: string, events: AuditInput[], writesFirst?: WritesFirst): Promise<void> {
  if (events.length === 0 && writesFirst) throw new TypeError("recordTransition: writesFirst needs at least one event to go with.");
  if (events.length === 0) await notifyRequestChanged(tx, requestId);
  else await appendAuditEvents(tx, events, { channel: REQUEST_CHANNEL, payload: requestId }, writesFirst);
}
