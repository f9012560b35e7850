// The rules in force, in order, as sentences: what each matches and what it does. First match wins.
import type { PolicyEffect, PolicyMatch, PolicyRule } from "@/lib/policy/schema";
import { describeEffect } from "@/lib/policy/evaluate";
import { SafeText } from "../safe-text";

const list = (values: string[]) => values.join(", ");

/** One phrase per condition; an empty list means the rule matches every request. */
export function describeMatch(match: PolicyMatch): string[] {
  const parts: string[] = [];
  if (match.agents) parts.push(`agent is ${list(match.agents)}`);
  if (match.environments) parts.push(`environment is ${list(match.environments)}`);
  if (match.tier) parts.push(match.tier === "production" ? "environment is production tier" : "environment is not production tier");
  if (match.resources) parts.push(`resource is ${list(match.resources)}`);
  if (match.kinds) parts.push(`kind is ${list(match.kinds)}`);
  if (match.minRisk && match.maxRisk) parts.push(match.minRisk === match.maxRisk ? `risk is ${match.minRisk}` : `risk is ${match.minRisk} to ${match.maxRisk}`);
  else if (match.minRisk) parts.push(`risk is ${match.minRisk} or above`);
  else if (match.maxRisk) parts.push(`risk is ${match.maxRisk} or below`);
  if (match.findings) parts.push(`a finding is ${list(match.findings)}`);
  if (match.targets) parts.push(`it touches ${list(match.targets)}`);
  return parts;
}

const EFFECT_STYLE: Record<PolicyEffect["type"], string> = {
  allow: "text-emerald-800 dark:text-emerald-300",
  require_approval: "text-amber-800 dark:text-amber-300",
  deny: "text-red-800 dark:text-red-300",
};
const EFFECT_WORD: Record<PolicyEffect["type"], string> = { allow: "Allow", require_approval: "Require approval", deny: "Deny" };

export function RuleList({ rules }: { rules: PolicyRule[] }) {
  if (rules.length === 0) {
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">No rules: every request needs 1 approval.</p>;
  }
  return (
    <ol aria-label="Rules in order" className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
      {rules.map((rule, index) => {
        const conditions = describeMatch(rule.match);
        return (
          <li key={rule.id} aria-label={`Rule ${index + 1}: ${rule.id}`} className="grid gap-1 py-2 sm:grid-cols-[2rem_1fr_1fr] sm:gap-3">
            <span className="font-mono text-xs text-zinc-600 dark:text-zinc-400 tabular-nums">{index + 1}.</span>
            <div className="min-w-0">
              <p className="font-mono text-xs font-semibold break-all">
                <SafeText text={rule.id} />
              </p>
              {rule.description && (
                <p className="text-zinc-600 dark:text-zinc-400">
                  <SafeText text={rule.description} />
                </p>
              )}
              <p className="mt-0.5">
                <span className="font-medium">When </span>
                {conditions.length > 0 ? <SafeText text={conditions.join(" and ")} /> : "any request"}
              </p>
            </div>
            <p className={EFFECT_STYLE[rule.effect.type]}>
              <span className="font-semibold">{EFFECT_WORD[rule.effect.type]}: </span>
              <SafeText text={describeEffect(rule.effect)} />
            </p>
          </li>
        );
      })}
    </ol>
  );
}
