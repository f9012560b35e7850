// Bursts in the inbox: requests one agent sends against one target in quick succession (fifty
// single-row DELETEs from a loop) are reviewed as one group — its size, time span, the operation
// template they share, what they do together as measured, and the highest risk among them.
// Which requests form a burst is decided in SQL (lib/dashboard/inbox.ts); this module is the pure
// summary of a burst's members.
import { readPlannedEffect } from "../requests/planned-effect";
import { operationTemplate } from "../risk/template";
import { compareRisk, type RiskLevel } from "../risk/levels";
import type { MeasuredTable } from "../policy/measurement";

/**
 * A request joins the burst of the previous one (same agent, environment, resource and kind) when
 * it arrives within this many seconds of it: a loop sends its next request within seconds, while
 * a person-paced agent rarely sends three alike a minute apart or less.
 */
export const BURST_GAP_SECONDS = 60;
/** Fewer than this and the requests are listed one by one: two alike are easy to review apiece. */
export const BURST_MIN_REQUESTS = 3;
/** Members a group carries to the page (for expansion and the summary); the count is always exact. */
export const BURST_MEMBERS_SHOWN = 200;

export interface BurstMember {
  operation: unknown;
  plannedEffect: unknown;
  riskLevel: string;
}

export interface BurstSummary {
  /** The template every member shares, or null when they differ. */
  template: string | null;
  /** How many different templates the members have. */
  templates: number;
  /** What the measured members do together, as a sentence (inline code in backticks), or null when none was measured. */
  effect: string | null;
  /** Members that carry a measurement. */
  measured: number;
  riskLevel: RiskLevel;
}

const VERBS: Record<MeasuredTable["action"], string> = { delete: "deletes", update: "updates", truncate: "empties", drop: "drops" };
const fmt = (n: number) => n.toLocaleString("en-US");
const RISKS = new Set(["low", "medium", "high", "critical"]);

/** The highest risk, the shared template and the combined measured effect of a burst's members. */
export function summarizeBurst(members: readonly BurstMember[]): BurstSummary {
  let riskLevel: RiskLevel = "low";
  const fingerprints = new Map<string, string>();
  // Rows per action and table: the statement's own target, and tables reached through foreign keys.
  const totals = new Map<string, { action: MeasuredTable["action"]; table: string; rows: number; uncounted: boolean; cascade: boolean }>();
  let measured = 0;
  for (const member of members) {
    if (RISKS.has(member.riskLevel) && compareRisk(member.riskLevel as RiskLevel, riskLevel) > 0) riskLevel = member.riskLevel as RiskLevel;
    const template = operationTemplate(member.operation);
    const fingerprint = template?.fingerprint ?? `unreadable:${fingerprints.size}`;
    if (!fingerprints.has(fingerprint)) fingerprints.set(fingerprint, template?.text ?? "");
    const tables = readPlannedEffect(member.plannedEffect)?.measured?.tables;
    if (!tables) continue;
    measured++;
    for (const t of tables) {
      const key = `${t.action}\u0000${t.table}\u0000${t.via === null ? "" : "c"}`;
      const total = totals.get(key) ?? { action: t.action, table: t.table, rows: 0, uncounted: false, cascade: t.via !== null };
      if (t.rows === null) total.uncounted = true;
      else total.rows += t.rows;
      totals.set(key, total);
    }
  }
  const templates = [...fingerprints.values()];
  return {
    template: templates.length === 1 && templates[0] ? templates[0] : null,
    templates: fingerprints.size,
    effect: measured ? combinedSentence([...totals.values()], measured, members.length) : null,
    measured,
    riskLevel,
  };
}

function combinedSentence(totals: Array<{ action: MeasuredTable["action"]; table: string; rows: number; uncounted: boolean; cascade: boolean }>, measured: number, count: number): string {
  const direct = totals.filter((t) => !t.cascade);
  const cascades = totals.filter((t) => t.cascade);
  const phrase = (t: (typeof totals)[number]) =>
    `${VERBS[t.action]} ${fmt(t.rows)} row${t.rows === 1 ? "" : "s"}${t.uncounted ? " (some not counted)" : ""} in \`${t.table}\``;
  const parts = direct.map(phrase);
  if (cascades.length) parts.push(`through foreign keys, ${cascades.map(phrase).join(", ")}`);
  const what = parts.length ? parts.join("; ") : "change no rows that could be counted";
  const scope = measured === count ? `all ${fmt(count)} measured` : `${fmt(measured)} of ${fmt(count)} measured`;
  return `Together: ${what} (${scope}).`;
}
