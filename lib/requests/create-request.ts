// An agent asks to run an operation: classify it, apply policy, and record the request.
import { randomUUID } from "node:crypto";
import type { PrismaClient, RawTx, Tx } from "../db";
import { TX_OPTIONS, rawSql } from "../db";
import type { Request } from "../db/generated/client";
import type { Config } from "../env";
import type { AuthenticatedAgent } from "../agents";
import { AppError, isUniqueViolation } from "../errors";
import { recordAudit } from "../audit";
import { redactDeep } from "../audit/redact";
import { assessRisk } from "../risk";
import { evaluatePolicy, needsPasskey } from "../policy";
import { breakerThresholdsOf, measurementPolicyOf } from "../policy/store";
import { effectLimits, withMeasuredRisk } from "../policy/measurement";
import { countsTowardBreaker } from "../policy/breaker";
import { grantInsertSql, operationDigest, signGrantWith, signingKeyOf } from "../grants";
import type { CreateRequest } from "./schema";
import type { Operation } from "../operations/schema";
import { findCredential } from "../operations/credentials";
import { toRequestView, type RequestView } from "./view";
import { notifyRequestPending } from "../notify";
import { tripBreakerIfNeeded } from "../agents/quarantine";
import { REQUEST_INCLUDE, recordTransition } from "./shared";
import { readIntakeFacts, type IntakeFacts } from "./intake";
import { globMatch } from "../policy/glob";
import { boundPlannedEffect, type PlannedEffect } from "./planned-effect";

export interface CreateRequestInput {
  caller: AuthenticatedAgent;
  body: CreateRequest;
  idempotencyKey?: string | null;
  /**
   * Countersign's own measurement of the operation's effect. Internal: only the built-in executor
   * passes it; no route copies it from what an agent sent.
   */
  plannedEffect?: PlannedEffect;
  /**
   * Measures the planned effect once policy has decided, only for a request that waits for
   * people: an allowed one runs anyway and a denied one must not see its data measured. The
   * result is stored with the request, before reviewers or Slack see it.
   */
  measurePlannedEffect?: () => Promise<PlannedEffect>;
  /**
   * Measure even when policy would allow the request at once: it writes rows, and what the
   * measurement finds (every row, a large share, cascades) can raise the risk above what policy
   * allows. Only a denial skips the measurement.
   */
  measureBeforeAllowing?: boolean;
  /**
   * What Countersign classifies in place of the operation: the HTTP broker's call as the registered
   * provider's catalog sees it (a stand-in or proxied host judged as the provider). Internal only.
   */
  classifyAs?: Operation;
  /** The registered resource's id, set by the built-in executor (which checks it before running). */
  resourceId?: string;
  /** Set by Countersign's built-in SQL executor only: it will run the statement once approved. */
  builtInExecutor?: boolean;
  /** readIntakeFacts for this body, already sent (the route sends it while the key is looked up). */
  facts?: Promise<IntakeFacts>;
}

export interface CreateRequestResult {
  view: RequestView;
  /** False when an earlier request with the same Idempotency-Key was returned. */
  created: boolean;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export async function createRequest(prisma: PrismaClient, cfg: Config, input: CreateRequestInput): Promise<CreateRequestResult> {
  const { caller, body } = input;
  const { agent } = caller;
  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new AppError("bad_request", "Idempotency-Key must be 1–200 printable ASCII characters.");
  }
  const requestDigest = operationDigest(body);

  if (idempotencyKey) {
    const earlier = await findByIdempotencyKey(prisma, cfg, agent.id, idempotencyKey, requestDigest);
    if (earlier) return { view: earlier, created: false };
  }

  const { environment, resource } = body.operation.target;
  // A credential in the operation would be stored, shown and audited for good: refused before anything is stored.
  const credential = findCredential(body.operation);
  if (credential) {
    await recordAudit(prisma, {
      type: "request.refused",
      actor: { type: "agent", id: agent.id },
      data: { reason: "credential_in_operation", field: credential.field, found: credential.what, resource, keyId: caller.key.id },
    });
    throw new AppError("validation_failed", "The operation carries a credential. Credentials belong in a registered resource, where Countersign adds them; they are never part of an operation.", [
      { field: credential.field, message: `carries ${credential.what}` },
    ]);
  }
  const facts = await (input.facts ?? readIntakeFacts(prisma, body.operation));
  const definedAs = facts.caseVariant;
  if (definedAs) {
    throw new AppError("validation_failed", "The environment is not spelled as defined.", [
      { field: "operation.target.environment", message: `environment names are case-sensitive: the defined environment is ${definedAs}` },
    ]);
  }
  // A registered resource (or a declared host or name) decides the environment, not the agent.
  const bound = facts.bound;
  if (bound && bound.environment !== environment) {
    await recordAudit(prisma, {
      type: "request.refused",
      actor: { type: "agent", id: agent.id },
      data: { reason: "environment_mismatch", environment, boundTo: bound.environment, by: bound.source, resource, keyId: caller.key.id },
    });
    throw new AppError("validation_failed", "The environment contradicts where the target belongs.", [
      {
        field: "operation.target.environment",
        message: `${resource} belongs to ${bound.environment} (by its ${bound.source}); the request names ${environment}`,
      },
    ]);
  }
  if (!agent.environments.some((pattern) => globMatch(pattern, environment))) {
    await recordAudit(prisma, {
      type: "request.refused",
      actor: { type: "agent", id: agent.id },
      data: { reason: "environment_not_allowed", environment, resource, keyId: caller.key.id },
    });
    throw new AppError("environment_not_allowed", `This agent may not target the ${environment} environment.`);
  }
  if (!agent.resources.some((pattern) => globMatch(pattern, resource))) {
    await recordAudit(prisma, {
      type: "request.refused",
      actor: { type: "agent", id: agent.id },
      data: { reason: "resource_not_allowed", environment, resource, keyId: caller.key.id },
    });
    throw new AppError("resource_not_allowed", `This agent may not target the resource ${resource}.`);
  }

  const digest = operationDigest(body.operation);
  const parsedRisk = assessRisk(input.classifyAs ?? body.operation);
  const { tier, policy } = facts;
  const decide = (risk: typeof parsedRisk) =>
    evaluatePolicy(policy.rules, {
      agent: { id: agent.id, name: agent.name },
      environment,
      tier,
      resource,
      kind: body.operation.kind,
      risk,
      registered: bound?.source === "registration",
      ...(body.operation.kind === "mcp" ? { tool: { name: body.operation.tool, arguments: body.operation.arguments } } : {}),
    });
  const first = decide(parsedRisk);
  const measure =
    input.plannedEffect === undefined &&
    input.measurePlannedEffect !== undefined &&
    (first.effect.type === "require_approval" || (first.effect.type === "allow" && input.measureBeforeAllowing === true));
  let plannedEffect = input.plannedEffect ?? (measure ? await input.measurePlannedEffect!() : undefined);
  // The measurement sets a floor under the parse's risk; wording cannot lower the quorum.
  const measurement = measurementPolicyOf(policy);
  const risk = withMeasuredRisk(parsedRisk, plannedEffect?.measured, measurement);
  const decision = risk === parsedRisk ? first : decide(risk);
  const effect = decision.effect;
  const status = effect.type === "allow" ? "approved" : effect.type === "deny" ? "denied" : "pending";
  if (plannedEffect?.measured) {
    plannedEffect = {
      ...plannedEffect,
      enforcement: { limits: effectLimits(plannedEffect.measured, measurement.tolerance), fingerprints: plannedEffect.measured.fingerprints },
    };
  }

  // A request the policy's circuit breaker counts (by default a critical or denied one) may
  // quarantine its agent, which closes everything the agent has open through Prisma's models: that
  // takes a Prisma transaction. Every other request is written on the bare driver, which costs a
  // tenth of the CPU (lib/db/raw.ts).
  const thresholds = breakerThresholdsOf(policy);
  const counted = countsTowardBreaker({ risk: risk.level, status }, thresholds);
  const slack = facts.slackStored || Boolean(cfg.slackWebhookUrl) || Boolean(cfg.slackBot);
  const announce = status === "pending" && slack;
  // Without either, the request, its grant and its audit rows are one statement on its own, which
  // is its own transaction (lib/audit's appendAuditEvents): the chain's lock is held for that
  // statement alone, and nothing waits on Node while it is.
  const inTransaction = <T>(fn: (tx: RawTx, models: Tx | null) => Promise<T>): Promise<T> =>
    counted ? prisma.$transaction((tx) => fn(tx, tx), TX_OPTIONS) : announce ? rawSql(prisma).transaction((tx) => fn(tx, null)) : fn(rawSql(prisma), null);

  try {
    // The database's clock as read with the facts: the request's creation, decision and expiry.
    const now = facts.now;
    const request: Request = {
      id: randomUUID(),
      agentId: agent.id,
      keyId: caller.key.id,
      status,
      environment,
      resource,
      kind: body.operation.kind,
      operation: body.operation as object,
      operationDigest: digest,
      summary: redactDeep(body.summary ?? ""),
      context: body.context ? (redactDeep(body.context) as object) : null,
      diff: body.diff ? (redactDeep(body.diff) as object) : null,
      // Derived from the agent's SQL (its WHERE, the plan), so secrets in it are redacted too.
      plannedEffect: plannedEffect ? (storedPlannedEffect(plannedEffect) as object) : null,
      riskLevel: risk.level,
      findings: risk.findings as object,
      targets: risk.targets,
      policyVersion: policy.version,
      policyRuleId: decision.ruleId,
      requiredApprovals: effect.type === "require_approval" ? effect.approvals : 0,
      requiredRole: effect.type === "require_approval" && effect.role ? effect.role : "approver",
      coolDownSeconds: effect.type === "require_approval" ? (effect.coolDownSeconds ?? null) : null,
      coolDownUntil: null,
      passkeyRequired: needsPasskey(effect),
      builtInExecutor: input.builtInExecutor === true,
      resourceId: input.resourceId ?? null,
      reason: effect.type === "deny" ? effect.reason : null,
      idempotencyKey,
      requestDigest,
      expiresAt: new Date(now.getTime() + body.ttlSeconds * 1000),
      decidedAt: status === "pending" ? null : now,
      outcomeDetail: null,
      outcomeAt: null,
      createdAt: now,
      updatedAt: now,
    };
    // Signed before the transaction, with the key the facts found live: nothing to wait on inside it.
    const grant = status === "approved" ? await signGrantWith(await signingKeyOf(facts.signingKeys, cfg, now), cfg, { request, approvers: [], now }) : null;
    const view = await inTransaction(async (tx, models) => {
      const actor = { type: "agent" as const, id: agent.id };
      const subject = { type: "request", id: request.id };
      const events = [
        {
          type: "request.created",
          actor,
          subject,
          data: {
            keyId: caller.key.id,
            environment,
            tier,
            resource,
            kind: body.operation.kind,
            operationDigest: digest,
            risk: risk.level,
            findings: risk.findings.map((f) => f.id),
            summary: request.summary,
            ...(request.builtInExecutor ? { builtInExecutor: true } : {}),
          },
        },
        {
          type: "policy.decided",
          actor: { type: "policy" as const },
          subject,
          data: { version: policy.version, ruleId: decision.ruleId, effect: effect.type, explanation: decision.explanation, ...(effect.type === "deny" ? { reason: effect.reason } : {}), ...(effect.type === "require_approval" ? { approvals: effect.approvals } : {}), ...(needsPasskey(effect) ? { passkey: true } : {}) },
        },
      ];
      if (grant) {
        events.push({ type: "grant.issued", actor: { type: "policy" }, subject, data: { jti: grant.jti, expiresAt: grant.expiresAt.toISOString(), approvers: [] } as never });
      }
      // In a transaction the audit append holds the chain's lock until COMMIT: it comes last whenever
      // it can. The request and its grant are inserted in the statement that appends the rows.
      if (!counted && announce) await notifyRequestPending(tx, request, agent.name, cfg, { tier });
      await recordTransition(tx, request.id, events, (params) => [{ requests: requestInsertSql(params, request) }, ...(grant ? [grantInsertSql(params, grant)] : [])]);
      if (counted) {
        // Its audit rows follow the request's; a trip denies this request too if pending.
        const tripped = await tripBreakerIfNeeded(models!, cfg, agent, now, thresholds);
        if (announce && !tripped) await notifyRequestPending(tx, request, agent.name, cfg, { tier });
        // Answer with what is stored now.
        if (tripped) return toRequestView(await models!.request.findUniqueOrThrow({ where: { id: request.id }, include: REQUEST_INCLUDE }), cfg);
      }
      const stored = {
        ...request,
        grant: grant ? { token: grant.token, expiresAt: grant.expiresAt, redeemedAt: null, revokedAt: null, jti: grant.jti, redeemedByKeyId: null } : null,
        reviews: [],
      };
      return toRequestView(stored, cfg);
    });
    return { view, created: true };
  } catch (error) {
    // Two requests raced with the same Idempotency-Key: answer with the winner.
    if (idempotencyKey && isUniqueViolation(error)) {
      const earlier = await findByIdempotencyKey(prisma, cfg, agent.id, idempotencyKey, requestDigest);
      if (earlier) return { view: earlier, created: false };
    }
    throw error;
  }
}

async function findByIdempotencyKey(
  prisma: PrismaClient,
  cfg: Config,
  agentId: string,
  idempotencyKey: string,
  requestDigest: string,
): Promise<RequestView | null> {
  const row = await prisma.request.findUnique({
    where: { agentId_idempotencyKey: { agentId, idempotencyKey } },
    include: REQUEST_INCLUDE,
  });
  if (!row) return null;
  if (row.requestDigest !== requestDigest) {
    throw new AppError("idempotency_key_reused", "This Idempotency-Key was already used with a different request body.");
  }
  return toRequestView(row, cfg);
}

/** Bounded, its text redacted; the figures and definitions are Countersign's own and stay exact. */
function storedPlannedEffect(effect: PlannedEffect): PlannedEffect {
  const bounded = boundPlannedEffect(effect);
  return { ...bounded, summary: redactDeep(bounded.summary) as string, details: redactDeep(bounded.details) as string };
}

/** The request row's INSERT, every column given, its values appended to `params`; it returns the row. */
function requestInsertSql(params: unknown[], r: Request): string {
  const $ = (value: unknown) => `$${params.push(value)}`;
  const json = (value: unknown) => $(value === null ? null : JSON.stringify(value));
  return `INSERT INTO requests (id, agent_id, key_id, status, environment, resource, kind, operation, operation_digest, summary, context, diff,
                           planned_effect, risk_level, findings, targets, policy_version, policy_rule_id, required_approvals, required_role,
                           cool_down_seconds, passkey_required, built_in_executor, resource_id, reason, idempotency_key, request_digest,
                           expires_at, decided_at, created_at, updated_at)
     VALUES (${$(r.id)}::uuid, ${$(r.agentId)}::uuid, ${$(r.keyId)}::uuid, ${$(r.status)}::"RequestStatus", ${$(r.environment)}, ${$(r.resource)},
             ${$(r.kind)}, ${json(r.operation)}::jsonb, ${$(r.operationDigest)}, ${$(r.summary)}, ${json(r.context)}::jsonb, ${json(r.diff)}::jsonb,
             ${json(r.plannedEffect)}::jsonb, ${$(r.riskLevel)}::"RiskLevel", ${json(r.findings)}::jsonb, ${$(r.targets)}::text[],
             ${$(r.policyVersion)}::int, ${$(r.policyRuleId)}, ${$(r.requiredApprovals)}::int, ${$(r.requiredRole)}::"Role",
             ${$(r.coolDownSeconds)}::int, ${$(r.passkeyRequired)}::boolean, ${$(r.builtInExecutor)}::boolean, ${$(r.resourceId)}::uuid,
             ${$(r.reason)}, ${$(r.idempotencyKey)}, ${$(r.requestDigest)}, ${$(r.expiresAt.toISOString())}::timestamptz,
             ${$(r.decidedAt?.toISOString() ?? null)}::timestamptz, ${$(r.createdAt.toISOString())}::timestamptz, ${$(r.updatedAt.toISOString())}::timestamptz)
     RETURNING *`;
}
