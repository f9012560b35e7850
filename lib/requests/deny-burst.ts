// Deny a burst at once: a reviewer who has seen fifty alike requests from one agent gives one reason
// and every one of them still pending is denied — each through decideRequest, so each gets its own
// review and audit rows, its waiting agent woken and the same role and state checks as one by one.
import { z } from "zod";
import type { PrismaClient } from "../db";
import type { Config } from "../env";
import { AppError, isAppError } from "../errors";
import { hasRole, type Role } from "../users/roles";
import { parseInput, isUuid } from "../validate";
import { decideRequest } from "./decide-request";

/** A burst as the inbox named it: the agent, the target and the arrival span the reviewer saw. */
export const DenyBurstInput = z.strictObject({
  agentId: z.uuid(),
  environment: z.string().min(1).max(100),
  resource: z.string().min(1).max(200),
  kind: z.string().min(1).max(20),
  firstAt: z.iso.datetime(),
  lastAt: z.iso.datetime(),
  reason: z.string().trim().min(1, "give a reason for the denial").max(2000),
});
export type DenyBurstInput = z.input<typeof DenyBurstInput>;

/** Most requests one call denies; a larger burst is denied in several presses, each saying what is left. */
export const MAX_BURST_DENIALS = 1_000;

export interface DenyBurstResult {
  denied: string[];
  /** Members that could not be denied, with why (decided meanwhile, already reviewed by this reviewer…). */
  skipped: Array<{ id: string; code: string; message: string }>;
  /** Members still pending beyond MAX_BURST_DENIALS. */
  remaining: number;
}

export async function denyBurst(prisma: PrismaClient, cfg: Config, reviewerId: string, input: DenyBurstInput): Promise<DenyBurstResult> {
  const burst = parseInput(DenyBurstInput, input);
  const firstAt = new Date(burst.firstAt);
  const lastAt = new Date(burst.lastAt);
  if (lastAt < firstAt) throw new AppError("validation_failed", "The burst ends before it starts.", [{ field: "lastAt", message: "must not be before firstAt" }]);
  const reviewer = isUuid(reviewerId) ? await prisma.user.findUnique({ where: { id: reviewerId } }) : null;
  if (!reviewer || reviewer.disabledAt) throw new AppError("forbidden", "Your account cannot review requests.");
  // Denying one request is open to whoever may decide it; denying many at once is for approvers.
  if (!hasRole(reviewer.role as Role, "approver")) throw new AppError("role_required", `Denying a group needs the approver role; you are a ${reviewer.role}.`);

  const where = { agentId: burst.agentId, environment: burst.environment, resource: burst.resource, kind: burst.kind, status: "pending" as const, createdAt: { gte: firstAt, lte: lastAt } };
  const [members, total] = await Promise.all([
    prisma.request.findMany({ where, select: { id: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: MAX_BURST_DENIALS }),
    prisma.request.count({ where }),
  ]);
  if (members.length === 0) throw new AppError("request_already_decided", "None of these requests is still waiting: they were decided, cancelled or expired meanwhile.");

  const result: DenyBurstResult = { denied: [], skipped: [], remaining: Math.max(0, total - members.length) };
  // One after another: each decision is its own transaction, and they share one audit chain anyway.
  for (const { id } of members) {
    try {
      await decideRequest(prisma, cfg, { requestId: id, reviewerId: reviewer.id, decision: { decision: "deny", reason: burst.reason } });
      result.denied.push(id);
    } catch (error) {
      if (!isAppError(error)) throw error;
      result.skipped.push({ id, code: error.code, message: error.message });
    }
  }
  return result;
}
