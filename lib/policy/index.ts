// The policy engine: ordered rules, first match wins, no match → 1 approval.
export { DEFAULT_POLICY_RULES } from "./defaults";
export { describeEffect, evaluatePolicy, needsPasskey, NO_MATCH_EFFECT, type PolicyDecision, type PolicyInput } from "./evaluate";
export { anyGlobMatches, globMatch } from "./glob";
export { PolicyEffect, PolicyMatch, PolicyRule, PolicyRules, RiskLevelName } from "./schema";
