// Expiry by the database clock: pending requests past their ttl, and approved requests whose
// grant lapsed unredeemed. Each row changes state once, even with several instances sweeping.
import type { PrismaClient, Tx } from "../db";
import { TX_OPTIONS } from "../db";
import { dbNow, recordTransition } from "./shared";
import { mintGrant } from "../grants";
import type { Config } from "../env";
import { notifyRequestDecided, notifyRequestDecidedById } from "../notify";
import { config } from "../env";

const BATCH = 200;

/** Expires one locked request inside the caller's transaction. */
export async function expireOne(tx: Tx, requestId: string, now: Date): Promise<void> {
  const rows = await tx.$queryRawUnsafe<Array<{ id: string; status: string }>>(
    `UPDATE requests r SET status = 'expired', updated_at = $2
     WHERE r.id = $1::uuid AND (
       (r.status = 'pending' AND r.expires_at <= $2) OR
       (r.status = 'approved' AND EXISTS (SELECT 1 FROM grants g WHERE g.request_id = r.id AND g.redeemed_at IS NULL AND g.revoked_at IS NULL AND g.expires_at <= $2))
     ) RETURNING r.id, r.status`,
    requestId,
    now,
  );
  if (rows.length) {
    await recordTransition(tx, requestId, [{ type: "request.expired", actor: { type: "system" }, subject: { type: "request", id: requestId }, data: {} }]);
    await notifyRequestDecidedById(tx, requestId, config());
  }
}

/** Sweeps everything due. Returns how many requests it expired. */
export async function expireDueRequests(prisma: PrismaClient): Promise<number> {
  return prisma.$transaction(async (tx) => {
    // Lock first, then decide on a fresh read: a redeem that committed while this sweep waited for
    // a row is seen, so a grant is never both redeemed and expired.
    const locked = await tx.$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT r.id FROM requests r
       WHERE (r.status = 'pending' AND r.expires_at <= now())
          OR (r.status = 'approved' AND EXISTS (SELECT 1 FROM grants g WHERE g.request_id = r.id AND g.redeemed_at IS NULL AND g.revoked_at IS NULL AND g.expires_at <= now()))
       ORDER BY r.expires_at
       LIMIT ${BATCH}
       FOR UPDATE OF r SKIP LOCKED`,
    );
    if (locked.length === 0) return 0;
    const due = await tx.$queryRawUnsafe<Array<{ id: string; was: string }>>(
      `UPDATE requests r SET status = 'expired', updated_at = now()
       FROM (SELECT id, status FROM requests WHERE id = ANY($1::uuid[])) was
       WHERE r.id = was.id AND (
         (r.status = 'pending' AND r.expires_at <= now()) OR
         (r.status = 'approved' AND EXISTS (SELECT 1 FROM grants g WHERE g.request_id = r.id AND g.redeemed_at IS NULL AND g.revoked_at IS NULL AND g.expires_at <= now()))
       )
       RETURNING r.id, was.status AS was`,
      locked.map((row) => row.id),
    );
    for (const row of due) {
      await recordTransition(tx, row.id, [
        { type: "request.expired", actor: { type: "system" }, subject: { type: "request", id: row.id }, data: { was: row.was } },
      ]);
      await notifyRequestDecidedById(tx, row.id, config());
    }
    return due.length;
  }, TX_OPTIONS);
}

/**
 * Issues the grant of every request whose cool-down has passed unchallenged. Each row moves once,
 * whichever instance sweeps.
 */
export async function finishCoolDowns(prisma: PrismaClient, cfg: Config = config()): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const due = await tx.$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT id FROM requests WHERE status = 'cooling_down' AND cool_down_until <= now()
       ORDER BY cool_down_until LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
    );
    for (const { id } of due) await finishCoolDown(tx, cfg, id);
    return due.length;
  }, TX_OPTIONS);
}

/** Inside a transaction holding the request's row lock: approve and mint the grant. */
export async function finishCoolDown(tx: Tx, cfg: Config, id: string): Promise<void> {
  const now = await dbNow(tx);
  const request = await tx.request.findUniqueOrThrow({ where: { id }, include: { reviews: true, agent: { select: { name: true, quarantinedAt: true, quarantineReason: true } } } });
  if (request.status !== "cooling_down" || !request.coolDownUntil || request.coolDownUntil > now) return;
  if (request.agent.quarantinedAt) {
    // A quarantined agent gets no grant, whenever its cool-down ends.
    const reason = request.agent.quarantineReason ?? "The agent is quarantined";
    await tx.request.update({ where: { id }, data: { status: "denied", reason, decidedAt: now, coolDownUntil: null } });
    await recordTransition(tx, id, [{ type: "request.denied", actor: { type: "policy" }, subject: { type: "request", id }, data: { reason, duringCoolDown: true } }]);
    await notifyRequestDecided(tx, { ...request, status: "denied", reason }, request.agent.name, cfg, {});
    return;
  }
  const approvers = request.reviews.filter((r) => r.decision === "approve").map((r) => r.reviewerId);
  await tx.request.update({ where: { id }, data: { status: "approved", decidedAt: now, coolDownUntil: null } });
  const grant = await mintGrant(tx, cfg, { request, approvers, now });
  const subject = { type: "request", id };
  await recordTransition(tx, id, [
    { type: "request.approved", actor: { type: "system" }, subject, data: { approvers, afterCoolDown: true } },
    { type: "grant.issued", actor: { type: "system" }, subject, data: { jti: grant.jti, expiresAt: grant.expiresAt.toISOString(), approvers } },
  ]);
  await notifyRequestDecided(tx, { ...request, status: "approved" }, request.agent.name, cfg, {});
}
