// The request as the agent API (and MCP, and the CLI) shows it.
import type { Config } from "../env";
import type { Finding, RiskLevel } from "../risk";

export interface RequestRow {
  id: string;
  agentId: string;
  status: string;
  environment: string;
  resource: string;
  kind: string;
  operation: unknown;
  operationDigest: string;
  summary: string;
  riskLevel: string;
  findings: unknown;
  requiredApprovals: number;
  reason: string | null;
  expiresAt: Date;
  decidedAt: Date | null;
  createdAt: Date;
  outcomeDetail: string | null;
  coolDownUntil?: Date | null;
  outcomeAt: Date | null;
  policyVersion: number | null;
  policyRuleId: string | null;
  builtInExecutor?: boolean;
  grant?: { token: string; expiresAt: Date; redeemedAt: Date | null; revokedAt: Date | null } | null;
  reviews?: { decision: string }[];
}

export interface RequestView {
  id: string;
  status: string;
  environment: string;
  resource: string;
  kind: string;
  summary: string;
  operationDigest: string;
  risk: { level: RiskLevel; findings: Finding[] };
  requiredApprovals: number;
  approvals: number;
  policy: { version: number | null; ruleId: string | null };
  reviewUrl: string;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  /**
   * Present while approved and unredeemed. A request made through Countersign's own SQL executor
   * carries no token: Countersign redeems that grant itself and runs the statement (execute).
   */
  grant?: { token?: string; expiresAt: string };
  /** While cooling down: when the grant will be issued unless a reviewer cancels. */
  coolDownUntil?: string;
  reason?: string;
  outcome?: { status: string; detail: string | null; reportedAt: string | null };
}

export function reviewUrl(cfg: Config, id: string): string {
  return `${cfg.publicUrl}/requests/${id}`;
}

export function toRequestView(row: RequestRow, cfg: Config, now = new Date()): RequestView {
  const view: RequestView = {
    id: row.id,
    status: row.status,
    environment: row.environment,
    resource: row.resource,
    kind: row.kind,
    summary: row.summary,
    operationDigest: row.operationDigest,
    risk: { level: row.riskLevel as RiskLevel, findings: forAgent(row.findings as Finding[]) },
    requiredApprovals: row.requiredApprovals,
    approvals: row.reviews?.filter((r) => r.decision === "approve").length ?? 0,
    policy: { version: row.policyVersion, ruleId: row.policyRuleId },
    reviewUrl: reviewUrl(cfg, row.id),
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
  };
  // The planned effect is for reviewers only (dashboard, Slack): its counts are measured on data
  // the agent may not read, and would answer yes/no questions about it before anyone approved.
  // The grant is handed out again (the same one) until it lapses or is used.
  if (row.status === "approved" && row.grant && !row.grant.redeemedAt && !row.grant.revokedAt && row.grant.expiresAt > now) {
    view.grant = row.builtInExecutor
      ? { expiresAt: row.grant.expiresAt.toISOString() }
      : { token: row.grant.token, expiresAt: row.grant.expiresAt.toISOString() };
  }
  if (row.status === "cooling_down" && row.coolDownUntil) view.coolDownUntil = row.coolDownUntil.toISOString();
  if (row.reason && (row.status === "denied" || row.status === "revoked" || row.status === "cancelled")) view.reason = row.reason;
  if (row.status === "executed" || row.status === "failed") {
    view.outcome = { status: row.status, detail: row.outcomeDetail, reportedAt: row.outcomeAt?.toISOString() ?? null };
  }
  return view;
}

/**
 * The measurement's findings name row counts taken on data the agent may not read: the agent
 * learns that the measurement raised the risk, not the figures (reviewers see them).
 */
function forAgent(findings: Finding[]): Finding[] {
  return findings.map((f) =>
    f.id.startsWith("measured.") ? { id: f.id, level: f.level, message: "Countersign's measurement of the data raised the risk; reviewers see the figures." } : f,
  );
}
