// The circuit breaker's effect: an agent that sends a burst of critical or denied requests is
// quarantined — its waiting requests denied, its unredeemed grants revoked, its keys refused —
// until an admin lifts it.
import type { PrismaClient, Tx } from "../db";
import { TX_OPTIONS } from "../db";
import type { Config } from "../env";
import type { Actor } from "../actors";
import { AppError } from "../errors";
import { appendAudit } from "../audit";
import { breakerLookbackSeconds, evaluateBreaker, DEFAULT_BREAKER_THRESHOLDS, type BreakerThresholds } from "../policy/breaker";
import { enqueueNotification, updateBotCardById, untrusted, untrustedCode } from "../notify";
import { recordTransition } from "../requests/shared";
import type { RiskLevel } from "../risk/levels";

export const QUARANTINE_REASON_PREFIX = "Agent quarantined by the circuit breaker";

/**
 * Runs the breaker for an agent inside the transaction that just recorded one of its requests.
 * Returns true when this call quarantined the agent.
 */
export async function tripBreakerIfNeeded(
  tx: Tx,
  cfg: Config,
  agent: { id: string; name: string },
  now: Date,
  thresholds: BreakerThresholds = DEFAULT_BREAKER_THRESHOLDS,
): Promise<boolean> {
  const since = new Date(now.getTime() - breakerLookbackSeconds(thresholds) * 1000);
  // Serialise breaker checks per agent: lock its row — FOR NO KEY UPDATE, which the KEY SHARE lock
  // that each request insert's foreign key takes on the same row does not block. FOR UPDATE did:
  // two requests of one agent each held KEY SHARE and waited for the other's (a deadlock).
  const [row] = await tx.$queryRawUnsafe<Array<{ quarantined_at: Date | null }>>(
    `SELECT quarantined_at FROM agents WHERE id = $1::uuid FOR NO KEY UPDATE`,
    agent.id,
  );
  if (!row || row.quarantined_at) return false;
  // What happened before an admin last lifted a quarantine was already judged: start after it.
  const lifted = await tx.auditEvent.findFirst({
    where: { type: "agent.quarantine_lifted", subjectType: "agent", subjectId: agent.id },
    orderBy: { seq: "desc" },
    select: { at: true },
  });
  const from = lifted && lifted.at > since ? lifted.at : since;
  const recent = await tx.request.findMany({
    where: { agentId: agent.id, createdAt: { gt: from } },
    select: { id: true, createdAt: true, riskLevel: true, status: true },
    orderBy: { createdAt: "asc" },
  });
  const decision = evaluateBreaker(
    recent.map((r) => ({ requestId: r.id, createdAt: r.createdAt, risk: r.riskLevel as RiskLevel, status: r.status })),
    thresholds,
    now,
  );
  if (!decision.quarantine) return false;

  const reason = `${QUARANTINE_REASON_PREFIX}: ${decision.reason}`;
  await tx.agent.update({ where: { id: agent.id }, data: { quarantinedAt: now, quarantineReason: reason } });
  // Everything the agent still has in flight closes: requests waiting for a review or a
  // cool-down are denied, and grants not yet redeemed are revoked, so no other key (an executor
  // with grants:redeem) can spend them. Row-locking UPDATEs, so a concurrent review or redemption
  // either finishes first or sees the new state.
  const denied = await tx.$queryRawUnsafe<Array<{ id: string; was: string }>>(
    `WITH open AS (
       SELECT id, status FROM requests WHERE agent_id = $1::uuid AND status IN ('pending', 'cooling_down') FOR UPDATE
     )
     UPDATE requests r SET status = 'denied', reason = $2, decided_at = $3, cool_down_until = NULL, updated_at = $3
     FROM open WHERE r.id = open.id
     RETURNING r.id, open.status::text AS was`,
    agent.id,
    reason,
    now,
  );
  const revoked = await tx.$queryRawUnsafe<Array<{ request_id: string; jti: string }>>(
    `UPDATE grants g SET revoked_at = $2
     FROM requests r
     WHERE r.id = g.request_id AND r.agent_id = $1::uuid AND r.status = 'approved'
       AND g.redeemed_at IS NULL AND g.revoked_at IS NULL
     RETURNING g.request_id, g.jti`,
    agent.id,
    now,
  );
  if (revoked.length > 0) {
    await tx.request.updateMany({ where: { id: { in: revoked.map((g) => g.request_id) } }, data: { status: "revoked", reason } });
  }
  const pending = denied.filter((d) => d.was === "pending");
  const coolingDown = denied.filter((d) => d.was === "cooling_down");
  await appendAudit(tx, {
    type: "agent.quarantined",
    actor: { type: "policy" },
    subject: { type: "agent", id: agent.id },
    data: {
      name: agent.name,
      reason: decision.reason,
      evidence: decision.requestIds,
      deniedPending: pending.map((p) => p.id),
      deniedCoolingDown: coolingDown.map((p) => p.id),
      revokedGrants: revoked.map((g) => g.request_id),
    },
  });
  for (const d of denied) {
    const data = d.was === "cooling_down" ? { reason, duringCoolDown: true } : { reason };
    await recordTransition(tx, d.id, [{ type: "request.denied", actor: { type: "policy" }, subject: { type: "request", id: d.id }, data }]);
  }
  for (const g of revoked) {
    await recordTransition(tx, g.request_id, [
      { type: "grant.revoked", actor: { type: "policy" }, subject: { type: "request", id: g.request_id }, data: { jti: g.jti, reason } },
    ]);
  }
  // Cards the bot keeps current show these requests closed (the webhook posts one alert, below).
  for (const id of [...denied.map((d) => d.id), ...revoked.map((g) => g.request_id)]) {
    await updateBotCardById(tx, id, cfg);
  }
  await enqueueNotification(tx, {
    kind: "agent.quarantined",
    payload: {
      text: `Countersign quarantined agent ${untrusted(agent.name, { max: 100 })}`,
      blocks: [
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: `:rotating_light: *Agent quarantined:* ${untrustedCode(agent.name, 100)}\n${untrusted(decision.reason, { max: 500 })}\nIts keys are refused until an admin lifts the quarantine; ${denied.length} waiting request(s) were denied and ${revoked.length} unredeemed grant(s) revoked.`,
          },
        },
        {
          type: "actions",
          elements: [{ type: "button", text: { type: "plain_text", text: "Open agents" }, url: `${cfg.publicUrl}/agents` }],
        },
      ],
    },
  });
  return true;
}

/** An admin lifts the quarantine; the agent's keys work again. */
export async function liftQuarantine(prisma: PrismaClient, nameOrId: string, actor: Actor): Promise<{ id: string; name: string }> {
  const agent = await prisma.agent.findFirst({ where: { OR: [{ name: nameOrId }, ...(isUuid(nameOrId) ? [{ id: nameOrId }] : [])] } });
  if (!agent) throw new AppError("not_found", `No agent named ${nameOrId}.`);
  if (!agent.quarantinedAt) throw new AppError("conflict", `Agent ${agent.name} is not quarantined.`);
  await prisma.$transaction(async (tx) => {
    await tx.agent.update({ where: { id: agent.id }, data: { quarantinedAt: null, quarantineReason: null } });
    await appendAudit(tx, {
      type: "agent.quarantine_lifted",
      actor,
      subject: { type: "agent", id: agent.id },
      data: { name: agent.name, wasReason: agent.quarantineReason },
    });
  }, TX_OPTIONS);
  return { id: agent.id, name: agent.name };
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
