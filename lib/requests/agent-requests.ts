// What an agent does with its own requests: read, wait for a decision, cancel.
import { isUuid } from "../validate";
import { BURST_GATHER_MS, batcherFor, createBatcher, type Batcher } from "../db/batch";
import type { Database, PrismaClient } from "../db";
import { TX_OPTIONS, rawSql } from "../db";
import type { Config } from "../env";
import { AppError, isDatabaseUnavailable } from "../errors";
import { REQUEST_INCLUDE, dbNow, lockRequest, recordTransition } from "./shared";
import { toRequestView, type RequestRow as ViewRow, type RequestView } from "./view";
import { requestEvents } from "./events";
import { notifyRequestDecidedById } from "../notify";
import { expireOne, finishCoolDown } from "./expire-requests";
import { config } from "../env";

/** How often a waiter re-reads its request while the database does not answer. */
const OUTAGE_REREAD_MS = 1_000;

/** The request as an agent's read needs it: the row, its grant, and its reviews' decisions. */
type RequestRow = ViewRow & { agentId: string; grant: NonNullable<ViewRow["grant"]> | null; reviews: { decision: string }[] };

/**
 * The requests with their grant and reviews in one round trip (Prisma's include would send three
 * queries and interpret each): every agent read and long-poll starts and ends here.
 */
async function readRequests(prisma: PrismaClient, ids: string[]): Promise<Map<string, RequestRow>> {
  const rows = await rawSql(prisma).$queryRawUnsafe<Array<{ row: Record<string, unknown> | string }>>(
    `SELECT json_build_object(
              'id', r.id, 'agentId', r.agent_id, 'status', r.status, 'environment', r.environment, 'resource', r.resource,
              'kind', r.kind, 'operation', r.operation, 'operationDigest', r.operation_digest, 'summary', r.summary,
              'riskLevel', r.risk_level, 'findings', r.findings, 'requiredApprovals', r.required_approvals, 'reason', r.reason,
              'expiresAt', r.expires_at, 'decidedAt', r.decided_at, 'createdAt', r.created_at, 'outcomeDetail', r.outcome_detail,
              'coolDownUntil', r.cool_down_until, 'outcomeAt', r.outcome_at, 'policyVersion', r.policy_version,
              'policyRuleId', r.policy_rule_id, 'builtInExecutor', r.built_in_executor,
              'grant', (SELECT json_build_object('token', g.token, 'expiresAt', g.expires_at, 'redeemedAt', g.redeemed_at, 'revokedAt', g.revoked_at)
                          FROM grants g WHERE g.request_id = r.id),
              'reviews', COALESCE((SELECT json_agg(json_build_object('decision', v.decision) ORDER BY v.created_at, v.id)
                                     FROM reviews v WHERE v.request_id = r.id), '[]'::json)
            ) AS row
       FROM requests r
      WHERE r.id = ANY($1::uuid[])`,
    ids,
  );
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  const found = new Map<string, RequestRow>();
  for (const { row: raw } of rows) {
    const r = (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, unknown>;
    const grant = r.grant as Record<string, unknown> | null;
    found.set(r.id as string, {
      ...(r as unknown as RequestRow),
      expiresAt: date(r.expiresAt)!,
      decidedAt: date(r.decidedAt),
      createdAt: date(r.createdAt)!,
      coolDownUntil: date(r.coolDownUntil),
      outcomeAt: date(r.outcomeAt),
      grant: grant && { token: grant.token as string, expiresAt: date(grant.expiresAt)!, redeemedAt: date(grant.redeemedAt), revokedAt: date(grant.revokedAt) },
    });
  }
  return found;
}
const requestBatchers = new WeakMap<object, Batcher<string, RequestRow>>();

async function ownRequest(prisma: PrismaClient, agentId: string, id: string) {
  // Another agent's request answers exactly like a missing one.
  if (!isUuid(id)) throw new AppError("not_found", "No such request.");
  // Agents reading or starting to wait at the same moment share one read.
  const row = await batcherFor(requestBatchers, prisma, () => createBatcher((ids: string[]) => readRequests(prisma, ids), { gatherMs: BURST_GATHER_MS })).load(id);
  if (!row || row.agentId !== agentId) throw new AppError("not_found", "No such request.");
  return row;
}

/** Expires the request now if it is due, so a read never shows a stale `pending`. */
async function settle(prisma: PrismaClient, row: Awaited<ReturnType<typeof ownRequest>>) {
  if (row.status === "cooling_down" && row.coolDownUntil && row.coolDownUntil <= new Date()) {
    await prisma.$transaction(async (tx) => {
      await lockRequest(tx, row.id);
      await finishCoolDown(tx, config(), row.id);
    }, TX_OPTIONS);
    return prisma.request.findUniqueOrThrow({ where: { id: row.id }, include: REQUEST_INCLUDE });
  }
  const due =
    (row.status === "pending" && row.expiresAt <= new Date()) ||
    (row.status === "approved" && row.grant && !row.grant.redeemedAt && row.grant.expiresAt <= new Date());
  if (!due) return row;
  await prisma.$transaction(async (tx) => {
    await lockRequest(tx, row.id);
    await expireOne(tx, row.id, await dbNow(tx));
  }, TX_OPTIONS);
  return prisma.request.findUniqueOrThrow({ where: { id: row.id }, include: REQUEST_INCLUDE });
}

export async function getRequestForAgent(prisma: PrismaClient, cfg: Config, agentId: string, id: string): Promise<RequestView> {
  return toRequestView(await settle(prisma, await ownRequest(prisma, agentId, id)), cfg);
}

/**
 * Long-poll: returns as soon as the request leaves `pending`, or after `waitSeconds`.
 * Holds no database connection while waiting.
 */
export async function waitForDecision(
  database: Database,
  cfg: Config,
  agentId: string,
  id: string,
  waitSeconds: number,
  signal?: AbortSignal,
): Promise<RequestView> {
  const deadline = Date.now() + waitSeconds * 1000;
  // Subscribe before reading: a decision committed between the read and the wait still wakes us.
  const subscription = await requestEvents(database).subscribe(id);
  try {
    let row = await settle(database.prisma, await ownRequest(database.prisma, agentId, id));
    // A cool-down is not yet a decision for the agent: keep waiting through it.
    let outage: unknown = null;
    while ((row.status === "pending" || row.status === "cooling_down") && Date.now() < deadline && !signal?.aborted) {
      // Wake at the deadline, or when the request is due to expire or leave its cool-down; while
      // the database is unreachable, try again every moment.
      const due = row.status === "cooling_down" && row.coolDownUntil ? row.coolDownUntil : row.expiresAt;
      const untilExpiry = due.getTime() - Date.now() + 50;
      await subscription.wait(Math.max(10, Math.min(deadline - Date.now(), untilExpiry, outage ? OUTAGE_REREAD_MS : Infinity)), signal);
      try {
        row = await settle(database.prisma, await ownRequest(database.prisma, agentId, id));
        outage = null;
      } catch (error) {
        // The database went away mid-wait (restarting, failing over): keep waiting, re-reading
        // until it answers. Only a wait that ends with it still away answers 503, and the agent
        // asks again; the decision itself is in the database, never lost.
        if (!isDatabaseUnavailable(error)) throw error;
        outage = error;
      }
    }
    if (outage) throw outage;
    return toRequestView(row, cfg);
  } finally {
    subscription.close();
  }
}

export async function cancelRequest(prisma: PrismaClient, cfg: Config, agentId: string, id: string): Promise<RequestView> {
  await ownRequest(prisma, agentId, id);
  const expired = await prisma.$transaction(async (tx) => {
    await lockRequest(tx, id);
    const row = await tx.request.findUniqueOrThrow({ where: { id } });
    if (row.status !== "pending") throw new AppError("request_already_decided", `Only a pending request can be cancelled; this one is ${row.status}.`);
    const now = await dbNow(tx);
    if (row.expiresAt <= now) {
      await expireOne(tx, id, now);
      return true;
    }
    await tx.request.update({ where: { id }, data: { status: "cancelled", decidedAt: now, reason: "Cancelled by the agent" } });
    await recordTransition(tx, id, [{ type: "request.cancelled", actor: { type: "agent", id: agentId }, subject: { type: "request", id }, data: {} }]);
    await notifyRequestDecidedById(tx, id, cfg);
    return false;
  }, TX_OPTIONS);
  if (expired) throw new AppError("request_already_decided", "This request has expired.");
  return toRequestView(await prisma.request.findUniqueOrThrow({ where: { id }, include: REQUEST_INCLUDE }), cfg);
}
