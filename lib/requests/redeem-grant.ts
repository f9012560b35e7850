// An executor redeems a grant before it runs anything: the token must verify, the operation it is
// about to run must digest to the grant's `op`, and of any number of concurrent redeems exactly one
// succeeds (a single conditional UPDATE decides). The request's row lock is taken first, so a
// redeem and a revoke or an expiry of the same request happen one after the other, never at once.
import type { PrismaClient } from "../db";
import { TX_OPTIONS } from "../db";
import type { Config } from "../env";
import { AppError } from "../errors";
import { recordAudit } from "../audit";
import { recordAuthFailure } from "../auth/failures";
import type { AuthenticatedAgent } from "../agents";
import { agentHasScope } from "../agents";
import { operationDigest, verifyStoredGrant, type GrantClaims } from "../grants";
import { recordTransition } from "./shared";
import { globMatch } from "../policy/glob";
import { redactSecrets } from "../audit/redact";
import type { ReportOutcome } from "./schema";
import { REQUEST_INCLUDE } from "./shared";
import { toRequestView, type RequestView } from "./view";
import { notifyRequestDecidedById } from "../notify";

export interface Redemption {
  requestId: string;
  jti: string;
  operationDigest: string;
  operation: unknown;
  environment: string;
  resource: string;
  redeemedAt: string;
}

/**
 * Refuses a redeem of a genuine grant. The first refusal of a grant, for a reason, by a key is a
 * chained audit row; repeats within the next two minutes are counted instead (auth_failures, kind
 * redeem_refused, flushed as auth.failures summary rows), so an executor retrying a spent grant in a
 * loop cannot flood the chain.
 */
async function refuse(prisma: PrismaClient, caller: AuthenticatedAgent, error: AppError, claims?: GrantClaims): Promise<never> {
  const repeats = await recordAuthFailure(prisma, `grant:${claims?.jti ?? "-"}:${error.code}:${caller.key.id}`, "redeem_refused");
  if (repeats > 1) throw error;
  await recordAudit(prisma, {
    type: "grant.redeem_refused",
    actor: { type: "agent", id: caller.agent.id },
    subject: claims ? { type: "request", id: claims.req } : undefined,
    data: { code: error.code, jti: claims?.jti ?? null, keyId: caller.key.id },
  });
  throw error;
}

export async function redeemGrant(
  prisma: PrismaClient,
  cfg: Config,
  caller: AuthenticatedAgent,
  input: { token: string; operation: unknown },
  /** Counts a token that does not verify; the agent route's counter also locks the source out past the limit. */
  countInvalidToken: () => Promise<unknown> = () => recordAuthFailure(prisma, `key:${caller.key.id}`, "grant"),
  /** Set only by Countersign's own SQL executor, the one redeemer of the requests it was asked to run. */
  options: { builtInExecutor?: boolean } = {},
): Promise<Redemption> {
  let claims: GrantClaims;
  try {
    claims = await verifyStoredGrant(prisma, cfg, input.token);
  } catch (error) {
    // A token that does not verify is failed authentication: counted per source and minute like a
    // bad API key, not one chained audit row each, so a flood of forgeries cannot clog the log.
    // An expired grant is not: its signature verified (expiry is checked after it), it was
    // merely redeemed late, and must not lock its agent out.
    const code = (error as { code?: string }).code === "grant_expired" ? "grant_expired" : "grant_invalid";
    if (code === "grant_invalid") await countInvalidToken();
    throw new AppError(code, code === "grant_expired" ? "The grant has expired." : "The grant is not valid.");
  }

  // The grant must say what the stored request says. Only the signing key can make one that does
  // not, but a key that signs one grant must not be able to point it at another request's target,
  // environment or agent: the request, not the token, is what reviewers approved.
  const request = await prisma.request.findUnique({
    where: { id: claims.req },
    select: { builtInExecutor: true, agentId: true, environment: true, resource: true, operationDigest: true, grant: { select: { jti: true } } },
  });
  if (request) {
    const differs = [
      claims.aud !== request.resource && "aud (resource)",
      claims.env !== request.environment && "env (environment)",
      claims.sub !== request.agentId && "sub (agent)",
      claims.op !== request.operationDigest && "op (operation digest)",
      request.grant && claims.jti !== request.grant.jti && "jti (grant id)",
    ].filter((x): x is string => typeof x === "string");
    if (differs.length) {
      return refuse(
        prisma,
        caller,
        new AppError("grant_request_mismatch", `The grant does not match the request it names: its ${differs.join(", ")} differs from the stored request. Nothing may run.`),
        claims,
      );
    }
  }

  // Who may redeem: the agent it was issued to, or an executor key with grants:redeem for its
  // environment and its resource (the grant's audience).
  const own = claims.sub === caller.agent.id;
  const executor =
    agentHasScope(caller.agent, "grants:redeem") &&
    caller.agent.environments.some((p) => globMatch(p, claims.env)) &&
    caller.agent.resources.some((p) => globMatch(p, claims.aud));
  if (!own && !executor) {
    return refuse(prisma, caller, new AppError("forbidden", "This key may not redeem that grant."), claims);
  }

  // A statement Countersign's own executor was asked to run is redeemed and run by it alone
  // (POST …/execute): its registered connection, its row cap and its outcome, never someone else's.
  if (request?.builtInExecutor && !options.builtInExecutor) {
    return refuse(
      prisma,
      caller,
      new AppError("forbidden", `Countersign's own executor runs this request: call POST /api/v1/requests/${claims.req}/execute instead of redeeming its grant.`),
      claims,
    );
  }

  let digest: string;
  try {
    digest = operationDigest(input.operation);
  } catch {
    digest = "";
  }
  if (digest !== claims.op) {
    return refuse(
      prisma,
      caller,
      new AppError("digest_mismatch", "The operation does not match the approved one: the grant is bound to a different operation.", [
        { field: "operation", message: `digests to ${digest || "(not JSON)"}, the grant is for ${claims.op}` },
      ]),
      claims,
    );
  }

  const result = await prisma.$transaction(async (tx) => {
    // The same lock revoke and expiry hold while they read and change the grant.
    await tx.$queryRawUnsafe(`SELECT r.id FROM requests r JOIN grants g ON g.request_id = r.id WHERE g.jti = $1 FOR UPDATE OF r`, claims.jti);
    const rows = await tx.$queryRawUnsafe<Array<{ redeemed_at: Date }>>(
      `UPDATE grants g SET redeemed_at = now(), redeemed_by_key_id = $2::uuid
       FROM requests r
       WHERE g.jti = $1 AND r.id = g.request_id AND r.status = 'approved'
         AND g.redeemed_at IS NULL AND g.revoked_at IS NULL AND g.expires_at > now()
       RETURNING g.redeemed_at`,
      claims.jti,
      caller.key.id,
    );
    if (rows.length === 0) {
      const grant = await tx.grant.findUnique({ where: { jti: claims.jti }, include: { request: { select: { status: true } } } });
      if (!grant) return { error: new AppError("grant_invalid", "The grant is not known.") };
      if (grant.revokedAt || grant.request.status === "revoked") return { error: new AppError("grant_revoked", "The grant was revoked.") };
      if (grant.redeemedAt) return { error: new AppError("grant_already_redeemed", "The grant was already redeemed.") };
      if (grant.expiresAt <= new Date()) return { error: new AppError("grant_expired", "The grant has expired.") };
      return { error: new AppError("request_already_decided", `The request is ${grant.request.status}.`) };
    }
    const request = await tx.request.findUniqueOrThrow({ where: { id: claims.req } });
    await recordTransition(tx, claims.req, [
      {
        type: "grant.redeemed",
        actor: { type: "agent", id: caller.agent.id },
        subject: { type: "request", id: claims.req },
        data: { jti: claims.jti, keyId: caller.key.id, operationDigest: digest },
      },
    ]);
    return {
      redemption: {
        requestId: claims.req,
        jti: claims.jti,
        operationDigest: digest,
        operation: request.operation,
        environment: request.environment,
        resource: request.resource,
        redeemedAt: new Date(rows[0].redeemed_at).toISOString(),
      } satisfies Redemption,
    };
  }, TX_OPTIONS);
  if ("error" in result && result.error) return refuse(prisma, caller, result.error, claims);
  return result.redemption!;
}

/** The redeemer reports what happened; reviewers see it as reported by the executor. */
export async function reportOutcome(
  prisma: PrismaClient,
  cfg: Config,
  caller: AuthenticatedAgent,
  requestId: string,
  input: ReportOutcome,
  /** Countersign's own executor only: the figures behind a refusal, for the audit log. */
  evidence?: Record<string, unknown>,
): Promise<RequestView> {
  const grant = await prisma.grant.findUnique({ where: { requestId }, include: { request: { select: { status: true } } } }).catch(() => null);
  const redeemer = grant?.redeemedByKeyId
    ? await prisma.agentKey.findUnique({ where: { id: grant.redeemedByKeyId }, select: { agentId: true } })
    : null;
  if (!grant || !redeemer || redeemer.agentId !== caller.agent.id) {
    throw new AppError("not_found", "No redeemed grant of yours for that request.");
  }
  const detail = input.detail ? redactSecrets(input.detail) : null;
  await prisma.$transaction(async (tx) => {
    const updated = await tx.request.updateMany({
      where: { id: requestId, status: "approved" },
      data: { status: input.status, outcomeDetail: detail, outcomeAt: new Date() },
    });
    if (updated.count === 0) throw new AppError("request_already_decided", `The outcome was already reported (the request is ${grant.request.status}).`);
    await recordTransition(tx, requestId, [
      {
        type: "request.outcome",
        actor: { type: "agent", id: caller.agent.id },
        subject: { type: "request", id: requestId },
        data: { status: input.status, detail, keyId: caller.key.id, ...(evidence ? { evidence } : {}) },
      },
    ]);
    await notifyRequestDecidedById(tx, requestId, cfg);
  }, TX_OPTIONS);
  const row = await prisma.request.findUniqueOrThrow({ where: { id: requestId }, include: REQUEST_INCLUDE });
  return toRequestView(row, cfg);
}
