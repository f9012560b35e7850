// Risk levels and their order. Free of the SQL parser so the policy schema (and the browser) can
// use them without loading it.

import { escapeLookalikes } from "./hidden-characters";

export type RiskLevel = "low" | "medium" | "high" | "critical";

/** Ordered from least to most dangerous. */
export const RISK_LEVELS: readonly RiskLevel[] = Object.freeze(["low", "medium", "high", "critical"]);

const RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Negative when `a` is less dangerous than `b`, zero when equal, positive when more dangerous. */
export function compareRisk(a: RiskLevel, b: RiskLevel): number {
  return RANK[a] - RANK[b];
}

/** The more dangerous of the given levels (`low` for none). */
export function maxRisk(...levels: RiskLevel[]): RiskLevel {
  return worstOf(levels);
}

/** `maxRisk` over an array of any length (spreading a very long array would overflow the stack). */
function worstOf(levels: Iterable<RiskLevel>): RiskLevel {
  let worst: RiskLevel = "low";
  for (const level of levels) if (RANK[level] > RANK[worst]) worst = level;
  return worst;
}

export interface Finding {
  /** Stable id, e.g. `sql.drop_table`. Ids starting with `backup.` mean "deletes or disables backups, snapshots or PITR". */
  id: string;
  level: RiskLevel;
  /** One sentence a reviewer understands, naming the object. */
  message: string;
  /** Schema-qualified objects this finding concerns, e.g. `public.customers`. */
  targets?: string[];
}

export interface RiskAssessment {
  /** The worst level among the findings; `low` when there are none. */
  level: RiskLevel;
  findings: Finding[];
  /** Schema-qualified objects the operation touches, e.g. `public.customers` (`billing.*` for a whole schema). */
  targets: string[];
}

/** Builds an assessment whose level is exactly what its findings justify; duplicate findings are merged. */
export function toAssessment(findings: Finding[], targets: string[] = []): RiskAssessment {
  const seen = new Set<string>();
  const unique: Finding[] = [];
  for (const finding of findings) {
    const key = `${finding.id}\u0000${finding.level}\u0000${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(finding);
  }
  return {
    level: worstOf(unique.map((f) => f.level)),
    findings: unique,
    targets: [...new Set(targets)],
  };
}

/**
 * Renders an agent-controlled name for a finding message: wrapped in backticks, with backticks,
 * control, zero-width and bidirectional characters escaped so a name cannot rewrite the sentence,
 * and look-alike letters from another script inside a Latin word escaped so it cannot pass for another.
 */
export function quoteName(name: string): string {
  const escaped = name.replace(
    /[\u0000-\u001f\u007f`\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const visible = escapeLookalikes(escaped);
  const shown = visible.length > 200 ? `${visible.slice(0, 200)}…` : visible;
  return `\`${shown}\``;
}
