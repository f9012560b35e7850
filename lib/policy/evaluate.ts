// Evaluates an ordered list of policy rules against one request: first match wins; no match
// requires one approval. Pure: everything it needs is in its arguments.
import type { OperationKind } from "../operations/schema";
import { TYPED_CONFIRMATION_FINDINGS } from "../risk/hidden-characters";
import { compareRisk, type RiskAssessment } from "../risk/levels";
import { anyGlobMatches } from "./glob";
import { type PolicyEffect, type PolicyRule, PolicyRules } from "./schema";

export interface PolicyInput {
  agent: { id: string; name: string };
  environment: string;
  /** From the environment's definition; an undefined environment counts as production. */
  tier: "production" | "other";
  resource: string;
  kind: OperationKind;
  risk: RiskAssessment;
  /** True when the target names a registered resource (the environment is then the registration's). */
  registered?: boolean;
  /** MCP gateway calls: the upstream tool and its arguments. */
  tool?: { name: string; arguments: Record<string, unknown> };
}

export interface PolicyDecision {
  effect: PolicyEffect;
  /** The id of the matching rule, or null when none matched (or the rules are invalid). */
  ruleId: string | null;
  /** 0-based index of the matching rule in the list, or null. */
  ruleIndex: number | null;
  /** Why, in a sentence for reviewers and the audit log. */
  explanation: string;
}

export const NO_MATCH_EFFECT: PolicyEffect = { type: "require_approval", approvals: 1 };

export function evaluatePolicy(rules: PolicyRule[], input: PolicyInput): PolicyDecision {
  // Rules are validated when saved; checking again here keeps a corrupted list from ever
  // producing, say, zero required approvals. An invalid list refuses everything.
  const parsed = PolicyRules.safeParse(rules);
  if (!parsed.success) {
    return {
      effect: { type: "deny", reason: "The policy rules are invalid, so nothing can be decided; an admin must fix them" },
      ruleId: null,
      ruleIndex: null,
      explanation: `Refused because the policy rules are invalid: ${parsed.error.issues[0]?.message ?? "unknown error"}.`,
    };
  }
  const disguised = input.risk.findings.find((f) => TYPED_CONFIRMATION_FINDINGS.includes(f.id));
  for (const [index, rule] of parsed.data.entries()) {
    const reasons = matchReasons(rule, input);
    if (reasons === null) continue;
    const name = rule.description ? `${rule.id} (${rule.description})` : rule.id;
    const why = reasons.length > 0 ? reasons.join("; ") : "it matches every request";
    const matched = `Rule ${index + 1}, ${name}, matched because ${why}`;
    if (disguised && rule.effect.type === "allow") {
      // No rule lets an operation whose text can read differently from what runs pass unseen.
      return {
        effect: DISGUISED_EFFECT,
        ruleId: rule.id,
        ruleIndex: index,
        explanation: `${matched}: it would be allowed, but ${disguisedWhy(disguised.id)}: ${describeEffect(DISGUISED_EFFECT)}, with the resource name typed.`,
      };
    }
    return {
      effect: rule.effect,
      ruleId: rule.id,
      ruleIndex: index,
      explanation: `${matched}: ${describeEffect(rule.effect)}.${disguised && rule.effect.type === "require_approval" ? ` ${capitalised(disguisedWhy(disguised.id))}, so approving it needs the resource name typed.` : ""}`,
    };
  }
  return {
    effect: NO_MATCH_EFFECT,
    ruleId: null,
    ruleIndex: null,
    explanation: `No policy rule matched: ${describeEffect(NO_MATCH_EFFECT)} by default.${disguised ? ` ${capitalised(disguisedWhy(disguised.id))}, so approving it needs the resource name typed.` : ""}`,
  };
}

/** What an allow rule becomes for an operation with hidden or look-alike characters. */
const DISGUISED_EFFECT: PolicyEffect = { type: "require_approval", approvals: 1 };

function disguisedWhy(findingId: string): string {
  return findingId === "operation.lookalike_characters"
    ? "the operation mixes look-alike letters from another script into Latin words"
    : "the operation holds hidden characters";
}

function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** The reasons a rule matches, one per condition, or null when it does not match. */
function matchReasons(rule: PolicyRule, input: PolicyInput): string[] | null {
  const m = rule.match;
  const level = input.risk.level;
  const reasons: string[] = [];
  if (m.agents) {
    if (!anyGlobMatches(m.agents, [input.agent.name, input.agent.id])) return null;
    reasons.push(`agent ${input.agent.name} is listed`);
  }
  if (m.environments) {
    if (!anyGlobMatches(m.environments, [input.environment])) return null;
    reasons.push(`environment ${input.environment} is listed`);
  }
  if (m.tier) {
    if (m.tier !== input.tier) return null;
    reasons.push(`the environment is ${input.tier === "production" ? "production" : "not production"}`);
  }
  if (m.resources) {
    if (!anyGlobMatches(m.resources, [input.resource])) return null;
    reasons.push(`resource ${input.resource} is listed`);
  }
  if (m.tools) {
    if (!input.tool || !anyGlobMatches(m.tools, [input.tool.name])) return null;
    reasons.push(`tool ${input.tool.name} is listed`);
  }
  if (m.arguments) {
    if (!input.tool) return null;
    for (const [name, pattern] of Object.entries(m.arguments)) {
      const value = input.tool.arguments[name];
      const text = typeof value === "string" ? value : value === undefined ? null : JSON.stringify(value);
      if (text === null || !anyGlobMatches([pattern], [text])) return null;
      reasons.push(`argument ${name} matches ${pattern}`);
    }
  }
  if (m.registered !== undefined) {
    if (m.registered !== (input.registered === true)) return null;
    reasons.push(m.registered ? `${input.resource} is a registered resource` : `${input.resource} is not a registered resource`);
  }
  if (m.kinds) {
    if (!m.kinds.includes(input.kind)) return null;
    reasons.push(`the operation is ${input.kind}`);
  }
  if (m.minRisk || m.maxRisk) {
    if (m.minRisk && compareRisk(level, m.minRisk) < 0) return null;
    if (m.maxRisk && compareRisk(level, m.maxRisk) > 0) return null;
    const range = m.minRisk === m.maxRisk ? m.minRisk : m.minRisk && m.maxRisk ? `${m.minRisk} to ${m.maxRisk}` : m.minRisk ? `${m.minRisk} or above` : `${m.maxRisk} or below`;
    reasons.push(`risk is ${level} (${range})`);
  }
  if (m.findings) {
    const ids = input.risk.findings.map((f) => f.id);
    const hit = ids.find((id) => anyGlobMatches(m.findings!, [id]));
    if (hit === undefined) return null;
    reasons.push(`finding ${hit} is listed`);
  }
  if (m.targets) {
    const hit = input.risk.targets.find((target) => anyGlobMatches(m.targets!, [target]));
    if (hit === undefined) return null;
    reasons.push(`it touches ${hit}`);
  }
  return reasons;
}

/** Whether approvals under this effect need a passkey (WebAuthn step-up). */
export function needsPasskey(effect: PolicyEffect): boolean {
  return effect.type === "require_approval" && effect.passkey === true;
}

export function describeEffect(effect: PolicyEffect): string {
  switch (effect.type) {
    case "allow":
      return "allowed without review";
    case "require_approval": {
      const who = effect.role === "admin" ? " from admins" : "";
      const coolDown = effect.coolDownSeconds ? `, then a ${effect.coolDownSeconds} s cool-down` : "";
      const passkey = effect.passkey ? `, ${effect.approvals === 1 ? "" : "each "}with the approver's passkey` : "";
      return `${effect.approvals} approval${effect.approvals === 1 ? "" : "s"}${who} required${passkey}${coolDown}`;
    }
    case "deny":
      return `refused: ${effect.reason}`;
  }
}
