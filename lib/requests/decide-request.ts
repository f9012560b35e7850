// The one way a request is decided by people — the dashboard, the CLI and tests all call this.
// Distinct eligible reviewers up to the quorum; one denial ends it; an agent's owner never approves;
// critical requests, and any whose operation holds hidden or look-alike characters, need the
// resource name typed; a request whose policy asks for a passkey needs the approver's passkey,
// verified here in the same transaction; revoke withdraws an approved, unused grant.
import { z } from "zod";
import type { PrismaClient } from "../db";
import { TX_OPTIONS } from "../db";
import type { Config } from "../env";
import { AppError, isUniqueViolation } from "../errors";
import { requiresTypedConfirmation } from "../risk/hidden-characters";
import { hasRole, type Role } from "../users/roles";
import { mintGrant } from "../grants";
import { verifyApprovalPasskey } from "../passkeys";
import { notifyApprovalArrived, notifyRequestDecided } from "../notify";
import { parseInput, isUuid } from "../validate";
import { toRequestView, type RequestView } from "./view";
import { REQUEST_INCLUDE, dbNow, lockRequest, recordTransition } from "./shared";
import { expireOne } from "./expire-requests";

export const Decision = z.discriminatedUnion("decision", [
  z.object({
    decision: z.literal("approve"),
    confirmation: z.string().max(500).optional(),
    reason: z.string().max(2000).optional(),
    /** The WebAuthn assertion (JSON text) answering this reviewer's approval challenge, when policy asks for a passkey. */
    passkey: z.string().max(32_768).optional(),
  }),
  z.object({ decision: z.literal("deny"), reason: z.string().trim().min(1, "give a reason for the denial").max(2000) }),
  z.object({ decision: z.literal("revoke"), reason: z.string().trim().min(1, "give a reason for the revocation").max(2000) }),
]);
export type Decision = z.input<typeof Decision>;

export interface DecideRequestInput {
  requestId: string;
  reviewerId: string;
  decision: Decision;
}

export async function decideRequest(prisma: PrismaClient, cfg: Config, input: DecideRequestInput): Promise<RequestView> {
  const decision = parseInput(Decision, input.decision);
  if (!isUuid(input.requestId)) throw new AppError("not_found", "No such request.");
  // Read the reviewer fresh: a role change or a disabled account takes effect at once.
  const reviewer = isUuid(input.reviewerId)
    ? await prisma.user.findUnique({ where: { id: input.reviewerId } })
    : null;
  if (!reviewer || reviewer.disabledAt) throw new AppError("forbidden", "Your account cannot review requests.");

  const outcome = await prisma.$transaction(async (tx) => {
    if (!(await lockRequest(tx, input.requestId))) throw new AppError("not_found", "No such request.");
    const request = await tx.request.findUniqueOrThrow({
      where: { id: input.requestId },
      include: { ...REQUEST_INCLUDE, agent: { select: { ownerId: true, name: true } } },
    });
    const now = await dbNow(tx);
    const actor = { type: "user" as const, id: reviewer.id };
    const subject = { type: "request", id: request.id };
    const by = { decidedBy: reviewer.name ?? reviewer.email };

    if (decision.decision === "revoke") {
      if (request.status === "cooling_down") {
        // Any reviewer, a viewer too, may cancel an approval while its cool-down runs; no grant exists yet.
        await tx.request.update({ where: { id: request.id }, data: { status: "revoked", reason: decision.reason, coolDownUntil: null } });
        await recordTransition(tx, request.id, [{ type: "request.cool_down_cancelled", actor, subject, data: { reason: decision.reason } }]);
        await notifyRequestDecided(tx, { ...request, status: "revoked", reason: decision.reason }, request.agent.name, cfg, by);
        return { expired: false as const };
      }
      if (!hasRole(reviewer.role as Role, "approver")) throw new AppError("role_required", "Revoking needs the approver role.");
      if (request.status !== "approved" || !request.grant) {
        throw new AppError("request_already_decided", `Only an approved request can be revoked; this one is ${request.status}.`);
      }
      if (request.grant.redeemedAt) throw new AppError("grant_already_redeemed", "The grant was already redeemed; it can no longer be revoked.");
      if (request.grant.expiresAt <= now) {
        await expireOne(tx, request.id, now);
        return { expired: true as const };
      }
      // Conditional, so a grant spent in the meantime is never also marked revoked.
      const revoked = await tx.grant.updateMany({ where: { requestId: request.id, redeemedAt: null, revokedAt: null }, data: { revokedAt: now } });
      if (revoked.count === 0) throw new AppError("grant_already_redeemed", "The grant was already redeemed; it can no longer be revoked.");
      await tx.request.update({ where: { id: request.id }, data: { status: "revoked", reason: decision.reason } });
      await recordTransition(tx, request.id, [
        { type: "grant.revoked", actor, subject, data: { jti: request.grant.jti, reason: decision.reason } },
      ]);
      await notifyRequestDecided(tx, { ...request, status: "revoked", reason: decision.reason }, request.agent.name, cfg, by);
      return { expired: false as const };
    }

    if (request.status !== "pending") {
      throw new AppError("request_already_decided", `This request is already ${request.status}.`);
    }
    if (request.expiresAt <= now) {
      await expireOne(tx, request.id, now);
      return { expired: true as const };
    }
    const needed = request.requiredRole as Role;
    if (!hasRole(reviewer.role as Role, needed)) {
      throw new AppError("role_required", `Deciding this request needs the ${needed} role; you are a ${reviewer.role}.`);
    }
    if (request.reviews.some((r) => r.reviewerId === reviewer.id)) {
      throw new AppError("already_reviewed", "You have already reviewed this request; another reviewer must decide.");
    }

    if (decision.decision === "deny") {
      await tx.review.create({ data: { requestId: request.id, reviewerId: reviewer.id, decision: "deny", reason: decision.reason } });
      await tx.request.update({ where: { id: request.id }, data: { status: "denied", reason: decision.reason, decidedAt: now } });
      await recordTransition(tx, request.id, [
        { type: "review.denied", actor, subject, data: { reason: decision.reason } },
        { type: "request.denied", actor, subject, data: { reason: decision.reason } },
      ]);
      await notifyRequestDecided(tx, { ...request, status: "denied", reason: decision.reason }, request.agent.name, cfg, by);
      return { expired: false as const };
    }

    if (request.agent.ownerId === reviewer.id) {
      throw new AppError("owner_cannot_approve", `You own the agent ${request.agent.name}; another reviewer must approve its requests.`);
    }
    if (requiresTypedConfirmation(request.riskLevel, request.findings) && decision.confirmation !== request.resource) {
      const why = request.riskLevel === "critical" ? "This request is critical" : "This operation holds hidden or look-alike characters";
      throw new AppError("confirmation_required", `${why}: type the resource name (${request.resource}) to approve it.`, [
        { field: "confirmation", message: `must be exactly ${request.resource}` },
      ]);
    }
    // Step-up: the session says who is asking; only their passkey, user-verified and answering a
    // challenge bound to this request and operation, lets the approval count.
    const passkeyCredentialId = request.passkeyRequired
      ? await verifyApprovalPasskey(tx, cfg, { userId: reviewer.id, request, response: decision.passkey, now })
      : null;
    await tx.review.create({ data: { requestId: request.id, reviewerId: reviewer.id, decision: "approve", reason: decision.reason ?? null, passkeyCredentialId } });
    const approvers = [...request.reviews.filter((r) => r.decision === "approve").map((r) => r.reviewerId), reviewer.id];
    const events = [
      {
        type: "review.approved",
        actor,
        subject,
        data: { approvals: approvers.length, required: request.requiredApprovals, ...(passkeyCredentialId ? { passkey: { credentialId: passkeyCredentialId } } : {}) },
      } as const,
    ];
    if (approvers.length >= request.requiredApprovals && request.coolDownSeconds) {
      const coolDownUntil = new Date(now.getTime() + request.coolDownSeconds * 1000);
      await tx.request.update({ where: { id: request.id }, data: { status: "cooling_down", coolDownUntil } });
      await recordTransition(tx, request.id, [
        ...events,
        { type: "request.cooling_down", actor, subject, data: { approvers, coolDownUntil: coolDownUntil.toISOString() } },
      ]);
      await notifyApprovalArrived(tx, { ...request, status: "cooling_down", coolDownUntil }, request.agent.name, cfg, by);
    } else if (approvers.length >= request.requiredApprovals) {
      await tx.request.update({ where: { id: request.id }, data: { status: "approved", decidedAt: now } });
      const grant = await mintGrant(tx, cfg, { request, approvers, now });
      await recordTransition(tx, request.id, [
        ...events,
        { type: "request.approved", actor, subject, data: { approvers } },
        { type: "grant.issued", actor, subject, data: { jti: grant.jti, expiresAt: grant.expiresAt.toISOString(), approvers } },
      ]);
      await notifyRequestDecided(tx, { ...request, status: "approved" }, request.agent.name, cfg, by);
    } else {
      await recordTransition(tx, request.id, [...events]);
      await notifyApprovalArrived(tx, request, request.agent.name, cfg, by);
    }
    return { expired: false as const };
  }, TX_OPTIONS).catch((error) => {
    if (isUniqueViolation(error)) throw new AppError("already_reviewed", "You have already reviewed this request.");
    throw error;
  });

  if (outcome.expired) throw new AppError("request_already_decided", "This request has expired.");
  const row = await prisma.request.findUniqueOrThrow({ where: { id: input.requestId }, include: REQUEST_INCLUDE });
  return toRequestView(row, cfg);
}
