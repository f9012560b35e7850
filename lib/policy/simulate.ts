// The policy simulator: what would Countersign decide for this operation, and why? Runs the real
// classifier and the real policy engine on the given rules, so its answer is the one a request
// would get. Pure: the rules, their version and the environment's tier come in as arguments
// (the parser must be loaded first: `await loadRiskEngine()`).
import type { Operation, OperationKind } from "../operations/schema";
import { assessRisk } from "../risk";
import type { Finding, RiskLevel } from "../risk/levels";
import { describeEffect, evaluatePolicy, needsPasskey } from "./evaluate";
import type { PolicyEffect, PolicyRule } from "./schema";
import { DEFAULT_MEASUREMENT_POLICY, describeMeasurementPolicy, withMeasuredRisk, type MeasuredEffect, type MeasurementPolicy } from "./measurement";

export interface SimulatePolicyInput {
  operation: Operation;
  /** The agent asking; without one, rules that name agents match only through `*`. */
  agent?: { id: string; name: string };
  tier: "production" | "other";
  rules: PolicyRule[];
  /** The policy version the rules come from, echoed in the result. */
  version: number | null;
  /** The policy's measurement thresholds (default: the built-in ones). */
  measurement?: MeasurementPolicy;
  /** Countersign's measurement of the operation (a past request's), applied as the risk floor. */
  measured?: MeasuredEffect;
  /** Whether the target names a registered resource (rules may match `registered`). */
  registered?: boolean;
}

export interface PolicySimulation {
  kind: OperationKind;
  environment: string;
  tier: "production" | "other";
  resource: string;
  agent: { id: string; name: string } | null;
  policyVersion: number | null;
  risk: { level: RiskLevel; findings: Finding[]; targets: string[] };
  /** The rule that decided, or null when none matched (the no-match default applies). */
  rule: { id: string; index: number; description?: string } | null;
  effect: PolicyEffect;
  /** The effect in words, e.g. "2 approvals required". */
  outcome: string;
  /** Whether each approval needs the reviewer's passkey (WebAuthn step-up). */
  passkeyRequired: boolean;
  explanation: string;
  /** The measurement's risk floor and tolerance in words. */
  measurementPolicy: string;
  /** Whether a measurement was applied (a replayed request's). */
  measured: boolean;
}

/**
 * Stands in for a missing agent. Agent names are letters, digits, `.`, `_` and `-`, so no real
 * name or id equals this; only a pattern such as `*` ("every agent") can match it.
 */
const NO_AGENT = { id: "(no agent)", name: "(no agent)" };

export function simulatePolicy(input: SimulatePolicyInput): PolicySimulation {
  const { operation, tier, rules, version } = input;
  const measurement = input.measurement ?? DEFAULT_MEASUREMENT_POLICY;
  const risk = withMeasuredRisk(assessRisk(operation), input.measured, measurement);
  const decision = evaluatePolicy(rules, {
    agent: input.agent ?? NO_AGENT,
    environment: operation.target.environment,
    tier,
    resource: operation.target.resource,
    kind: operation.kind,
    risk,
    registered: input.registered,
    ...(operation.kind === "mcp" ? { tool: { name: operation.tool, arguments: operation.arguments } } : {}),
  });
  const matched = decision.ruleIndex === null ? undefined : rules[decision.ruleIndex];
  return {
    kind: operation.kind,
    environment: operation.target.environment,
    tier,
    resource: operation.target.resource,
    agent: input.agent ?? null,
    policyVersion: version,
    risk: { level: risk.level, findings: risk.findings, targets: risk.targets },
    rule:
      matched && decision.ruleId !== null && decision.ruleIndex !== null
        ? { id: decision.ruleId, index: decision.ruleIndex, ...(matched.description ? { description: matched.description } : {}) }
        : null,
    effect: decision.effect,
    outcome: describeEffect(decision.effect),
    passkeyRequired: needsPasskey(decision.effect),
    explanation: decision.explanation,
    measurementPolicy: describeMeasurementPolicy(measurement),
    measured: input.measured !== undefined,
  };
}

/** The simulation as text for a terminal: the decision first, then the evidence. */
export function formatSimulation(result: PolicySimulation): string {
  const lines = [
    `Decision: ${result.outcome}`,
    ...(result.passkeyRequired ? ["  Each approval needs the reviewer's passkey (user-verified)."] : []),
    `  ${result.explanation}`,
    "",
    `Operation: ${result.kind} on ${result.resource} in ${result.environment} (${result.tier === "production" ? "production tier" : "non-production tier"})`,
    `Agent: ${result.agent ? result.agent.name : "none given"}`,
    `Policy version: ${result.policyVersion ?? "unsaved rules"}`,
    `Rule: ${result.rule ? `#${result.rule.index + 1} ${result.rule.id}${result.rule.description ? ` — ${result.rule.description}` : ""}` : "none matched (default applies)"}`,
    `Risk: ${result.risk.level}`,
  ];
  if (result.risk.findings.length === 0) lines.push("  (no findings)");
  for (const finding of result.risk.findings) lines.push(`  - [${finding.level}] ${finding.id}: ${finding.message}`);
  if (result.risk.targets.length > 0) lines.push(`Touches: ${result.risk.targets.join(", ")}`);
  lines.push(`Measurement: ${result.measured ? "the request's own measurement applied. " : ""}${result.measurementPolicy}`);
  return lines.join("\n");
}
