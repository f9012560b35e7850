// Everything the request page shows, in one read: the request, its agent and owner, the key that
// asked, reviews with reviewer names, the grant's state and the environment's tier.
import "server-only";
import { isUuid } from "../validate";
import type { PrismaClient } from "../db";
import type { Finding } from "../risk/levels";
import { readPlannedEffect, type PlannedEffect } from "../requests/planned-effect";

export interface TranscriptEntry {
  role: string;
  content: string;
}

export interface AgentContext {
  reasoning?: string;
  prompt?: string;
  transcript?: TranscriptEntry[];
  links?: string[];
  session?: string;
}

export interface RequestDetail {
  id: string;
  status: string;
  summary: string;
  environment: string;
  production: boolean;
  environmentDefined: boolean;
  resource: string;
  kind: string;
  operation: unknown;
  operationDigest: string;
  riskLevel: string;
  findings: Finding[];
  context: AgentContext | null;
  diff: { format: string; content: string } | null;
  /** Countersign's own measurement (built-in executor), as opposed to the agent's diff. */
  plannedEffect: PlannedEffect | null;
  requiredApprovals: number;
  requiredRole: string;
  /** Policy asks each approval for the approver's passkey (WebAuthn step-up). */
  passkeyRequired: boolean;
  reason: string | null;
  outcomeDetail: string | null;
  outcomeAt: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  coolDownUntil: string | null;
  /** The policy's cool-down after the last approval, if it set one. */
  coolDownSeconds: number | null;
  decidedAt: string | null;
  policy: { version: number | null; ruleId: string | null };
  agent: { id: string; name: string; description: string; disabled: boolean; owner: { id: string; email: string; name: string | null } | null };
  key: { id: string; lookupId: string; label: string; revoked: boolean } | null;
  reviews: Array<{ reviewerId: string; reviewerEmail: string; reviewerName: string | null; decision: string; reason: string | null; passkeyCredentialId: string | null; createdAt: string }>;
  grant: { expiresAt: string; redeemedAt: string | null; revokedAt: string | null } | null;
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Reads the stored context defensively: it was validated on the way in, but is still agent data. */
export function readContext(value: unknown): AgentContext | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const context: AgentContext = {
    reasoning: asString(v.reasoning),
    prompt: asString(v.prompt),
    session: asString(v.session),
    links: Array.isArray(v.links) ? v.links.filter((l): l is string => typeof l === "string") : undefined,
    transcript: Array.isArray(v.transcript)
      ? v.transcript
          .filter((t): t is Record<string, unknown> => Boolean(t) && typeof t === "object")
          .map((t) => ({ role: asString(t.role) ?? "?", content: asString(t.content) ?? "" }))
      : undefined,
  };
  const empty = !context.reasoning && !context.prompt && !context.session && !context.links?.length && !context.transcript?.length;
  return empty ? null : context;
}

function readDiff(value: unknown): RequestDetail["diff"] {
  if (!value || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  const content = asString(v.content);
  if (content === undefined) return null;
  return { format: asString(v.format) ?? "text", content };
}

function readFindings(value: unknown): Finding[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((f): f is Record<string, unknown> => Boolean(f) && typeof f === "object")
    .map((f) => ({
      id: asString(f.id) ?? "unknown",
      level: (asString(f.level) ?? "high") as Finding["level"],
      message: asString(f.message) ?? "",
      targets: Array.isArray(f.targets) ? f.targets.filter((t): t is string => typeof t === "string") : undefined,
    }));
}

export async function getRequestDetail(prisma: PrismaClient, id: string): Promise<RequestDetail | null> {
  if (!isUuid(id)) return null;
  const row = await prisma.request.findUnique({
    where: { id },
    include: {
      agent: { select: { id: true, name: true, description: true, disabledAt: true, owner: { select: { id: true, email: true, name: true } } } },
      key: { select: { id: true, lookupId: true, label: true, revokedAt: true } },
      reviews: { orderBy: { createdAt: "asc" }, include: { reviewer: { select: { email: true, name: true } } } },
      grant: { select: { expiresAt: true, redeemedAt: true, revokedAt: true } },
    },
  });
  if (!row) return null;
  const environment = await prisma.environment.findUnique({ where: { name: row.environment }, select: { tier: true } });
  return {
    id: row.id,
    status: row.status,
    summary: row.summary,
    environment: row.environment,
    environmentDefined: environment !== null,
    // An environment that is not defined counts as production (fail closed).
    production: (environment?.tier ?? "production") === "production",
    resource: row.resource,
    kind: row.kind,
    operation: row.operation,
    operationDigest: row.operationDigest,
    riskLevel: row.riskLevel,
    findings: readFindings(row.findings),
    context: readContext(row.context),
    diff: readDiff(row.diff),
    plannedEffect: readPlannedEffect(row.plannedEffect),
    requiredApprovals: row.requiredApprovals,
    requiredRole: row.requiredRole,
    passkeyRequired: row.passkeyRequired,
    reason: row.reason,
    outcomeDetail: row.outcomeDetail,
    outcomeAt: row.outcomeAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    coolDownUntil: row.coolDownUntil?.toISOString() ?? null,
    coolDownSeconds: row.coolDownSeconds ?? null,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    policy: { version: row.policyVersion, ruleId: row.policyRuleId },
    agent: {
      id: row.agent.id,
      name: row.agent.name,
      description: row.agent.description,
      disabled: row.agent.disabledAt !== null,
      owner: row.agent.owner,
    },
    key: row.key ? { id: row.key.id, lookupId: row.key.lookupId, label: row.key.label, revoked: row.key.revokedAt !== null } : null,
    reviews: row.reviews.map((r) => ({
      reviewerId: r.reviewerId,
      reviewerEmail: r.reviewer.email,
      reviewerName: r.reviewer.name,
      decision: r.decision,
      reason: r.reason,
      passkeyCredentialId: r.passkeyCredentialId,
      createdAt: r.createdAt.toISOString(),
    })),
    grant: row.grant
      ? { expiresAt: row.grant.expiresAt.toISOString(), redeemedAt: row.grant.redeemedAt?.toISOString() ?? null, revokedAt: row.grant.revokedAt?.toISOString() ?? null }
      : null,
  };
}

/** The few fields that change while a reviewer has the page open, for live refresh. */
export async function getRequestState(prisma: PrismaClient, id: string) {
  if (!isUuid(id)) return null;
  const row = await prisma.request.findUnique({
    where: { id },
    select: { id: true, status: true, updatedAt: true, _count: { select: { reviews: true } }, grant: { select: { redeemedAt: true, revokedAt: true } } },
  });
  if (!row) return null;
  return {
    id: row.id,
    status: row.status,
    reviews: row._count.reviews,
    version: requestVersion({
      status: row.status,
      reviews: row._count.reviews,
      updatedAt: row.updatedAt.toISOString(),
      redeemed: Boolean(row.grant?.redeemedAt),
      revoked: Boolean(row.grant?.revokedAt),
    }),
  };
}

/** Changes whenever what the request page shows changes. */
export function requestVersion(v: { status: string; reviews: number; updatedAt: string; redeemed: boolean; revoked: boolean }): string {
  return `${v.status}:${v.reviews}:${v.updatedAt}:${v.redeemed ? 1 : 0}:${v.revoked ? 1 : 0}`;
}
