// The planned effect: Countersign's own read-only measurement of what an operation would do
// ("Deletes 7 of 12 rows in `public.customers` (8.0 kB); 2 views depend on it."), set only by the
// built-in executor. It is never accepted from an agent; the agent's own claim is the request's diff.
import type { EffectLimit, MeasuredEffect } from "../policy/measurement";

export interface PlannedEffect {
  /** One line for reviewers, Slack and the agent. */
  summary: string;
  /** Per-table counts, dependants, notes and the plan: plain text. */
  details: string;
  /** The figures behind the sentence: the risk floor and the limits are taken from them. */
  measured?: MeasuredEffect;
  /** What the approval binds the execution to, fixed when the request is made. */
  enforcement?: Enforcement;
}

/** The limits the built-in executor holds an approved batch to. */
export interface Enforcement {
  /** Rows each table may lose or have changed (measured plus the policy's tolerance). */
  limits: EffectLimit[];
  /** Definitions of the tables measured: a table changed since refuses to run. */
  fingerprints: Record<string, string>;
}

const MAX_SUMMARY_CHARS = 2_000;
// Below PostgreSQL's practical limits and the page's patience.
const MAX_DETAILS_CHARS = 500_000;

function cut(text: string, max: number, marker: string): string {
  return text.length > max ? `${text.slice(0, max)}${marker}` : text;
}

/** Bounds a measurement before it is stored. */
export function boundPlannedEffect(effect: PlannedEffect): PlannedEffect {
  return {
    summary: cut(effect.summary.replace(/[\r\n\t]+/g, " ").trim(), MAX_SUMMARY_CHARS, "…"),
    details: cut(effect.details, MAX_DETAILS_CHARS, "\n… (truncated)"),
    ...(effect.measured ? { measured: effect.measured } : {}),
    ...(effect.enforcement ? { enforcement: effect.enforcement } : {}),
  };
}

/** Reads the stored column defensively (JSON from the database). */
export function readPlannedEffect(value: unknown): PlannedEffect | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const { summary, details, measured, enforcement } = value as Record<string, unknown>;
  if (typeof summary !== "string") return null;
  return {
    summary,
    details: typeof details === "string" ? details : "",
    ...(measured && typeof measured === "object" ? { measured: measured as MeasuredEffect } : {}),
    ...(enforcement && typeof enforcement === "object" ? { enforcement: enforcement as Enforcement } : {}),
  };
}
