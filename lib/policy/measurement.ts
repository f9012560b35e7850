// What Countersign's measurement of a statement means for policy: the risk floor it sets (a
// DELETE whose WHERE reaches every row is as critical as one without a WHERE, whatever the
// wording) and the limit the approval carries to execution (the built-in executor rolls back a
// statement that changes more rows than were measured, plus the tolerance). Pure: the measured
// effect and the thresholds come in, findings and limits go out.
import { z } from "zod";
import { toAssessment, type Finding, type RiskAssessment, type RiskLevel } from "../risk/levels";

/** One table a measured statement changes, directly or through a foreign key's rule. */
export interface MeasuredTable {
  /** `schema.name`. */
  table: string;
  action: "delete" | "update" | "truncate" | "drop";
  /** Rows it loses or has changed; null when they could not be counted. */
  rows: number | null;
  totalRows: number | null;
  sizeBytes: number | null;
  /** Null for the statement's own target; otherwise the rule that carries the change to it. */
  via: string | null;
  /** 1-based, in the batch. */
  statement: number;
}

export interface MeasuredEffect {
  tables: MeasuredTable[];
  /** `schema.name` → definition hash (fingerprint.ts) of every table measured. */
  fingerprints: Record<string, string>;
  /** True when some write in the batch could not be measured (code, an uncounted WHERE…). */
  incomplete: boolean;
}

const Share = z.number().min(0).max(1);
const Rows = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const FloorThresholds = z.strictObject({
  /** Of a table that has at least minTableRows rows. */
  share: Share,
  /** Rows changed in all, cascades included. */
  rows: Rows,
  /** Bytes changed in all (the table's size × the share of its rows changed). */
  bytes: Rows,
});
export type FloorThresholds = z.infer<typeof FloorThresholds>;

export const MeasurementPolicy = z.strictObject({
  critical: FloorThresholds,
  high: FloorThresholds,
  /** The share thresholds apply to tables of at least this many rows; every row of any table is always critical. */
  minTableRows: Rows,
  /** How far the executed statement may exceed the measurement before it is rolled back. */
  tolerance: z.strictObject({ rows: Rows, share: Share }),
});
export type MeasurementPolicy = z.infer<typeof MeasurementPolicy>;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * What a production team would choose: half a table, 100,000 rows or 1 GiB is critical; a tenth,
 * 1,000 rows or 100 MiB is high; and the approval is for the rows measured, not one more.
 */
export const DEFAULT_MEASUREMENT_POLICY: MeasurementPolicy = {
  critical: { share: 0.5, rows: 100_000, bytes: GiB },
  high: { share: 0.1, rows: 1_000, bytes: 100 * MiB },
  minTableRows: 1_000,
  tolerance: { rows: 0, share: 0 },
};

const fmt = (n: number) => n.toLocaleString("en-US");
const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;
const verb = (t: MeasuredTable) => (t.action === "update" ? "updates" : t.action === "delete" ? "deletes" : t.action === "truncate" ? "empties" : "drops");

function bytesOf(t: MeasuredTable): number | null {
  if (t.rows === null || t.sizeBytes === null || !t.totalRows) return null;
  return Math.round((t.sizeBytes * t.rows) / t.totalRows);
}

function formatSize(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

/**
 * Findings from the measurement, each saying it came from it: every row of a table, a large share
 * of one, many rows or many bytes in all (cascades included). Truncates and drops are judged by
 * their own parse already.
 */
export function measuredFindings(effect: MeasuredEffect, policy: MeasurementPolicy = DEFAULT_MEASUREMENT_POLICY): Finding[] {
  const findings: Finding[] = [];
  const writes = effect.tables.filter((t) => (t.action === "delete" || t.action === "update") && t.rows !== null && t.rows > 0);
  for (const t of writes) {
    const rows = t.rows!;
    const of = t.totalRows ? `${fmt(rows)} of ${fmt(t.totalRows)} rows` : `${fmt(rows)} rows`;
    const where = t.via ? ` (through ${t.via})` : "";
    if (t.totalRows !== null && rows >= t.totalRows) {
      findings.push({ id: "measured.every_row", level: "critical", message: `Measured by Countersign: ${verb(t)} every row of \`${t.table}\` (${of})${where}` });
      continue;
    }
    if (t.totalRows !== null && t.totalRows >= policy.minTableRows) {
      const share = rows / t.totalRows;
      const level: RiskLevel | null = share >= policy.critical.share ? "critical" : share >= policy.high.share ? "high" : null;
      if (level) {
        findings.push({ id: "measured.large_share", level, message: `Measured by Countersign: ${verb(t)} ${pct(share)} of \`${t.table}\` (${of})${where}` });
      }
    }
  }
  const totalRows = writes.reduce((sum, t) => sum + t.rows!, 0);
  const rowsLevel: RiskLevel | null = totalRows >= policy.critical.rows ? "critical" : totalRows >= policy.high.rows ? "high" : null;
  if (rowsLevel) {
    const cascaded = writes.filter((t) => t.via).reduce((sum, t) => sum + t.rows!, 0);
    findings.push({
      id: "measured.many_rows",
      level: rowsLevel,
      message: `Measured by Countersign: changes ${fmt(totalRows)} rows in all${cascaded ? `, ${fmt(cascaded)} of them through foreign keys` : ""}`,
    });
  }
  const totalBytes = writes.reduce((sum, t) => sum + (bytesOf(t) ?? 0), 0);
  const bytesLevel: RiskLevel | null = totalBytes >= policy.critical.bytes ? "critical" : totalBytes >= policy.high.bytes ? "high" : null;
  if (bytesLevel) findings.push({ id: "measured.large_size", level: bytesLevel, message: `Measured by Countersign: changes about ${formatSize(totalBytes)} of table data` });
  return findings;
}

export interface EffectLimit {
  table: string;
  action: "delete" | "update";
  /** Measured rows. */
  measured: number;
  /** The most the executed batch may change: measured plus the tolerance. */
  max: number;
}

/**
 * The rows each table may lose or have changed when the approved batch runs: the measured rows of
 * every statement and foreign-key rule that reaches it, plus the tolerance. Tables whose rows were
 * not counted have no limit (the request page says so).
 */
export function effectLimits(effect: MeasuredEffect, tolerance: MeasurementPolicy["tolerance"] = DEFAULT_MEASUREMENT_POLICY.tolerance): EffectLimit[] {
  const sums = new Map<string, { table: string; action: "delete" | "update"; measured: number; uncounted: boolean }>();
  for (const t of effect.tables) {
    if (t.action !== "delete" && t.action !== "update") continue;
    const key = `${t.action} ${t.table}`;
    const entry = sums.get(key) ?? { table: t.table, action: t.action, measured: 0, uncounted: false };
    if (t.rows === null) entry.uncounted = true;
    else entry.measured += t.rows;
    sums.set(key, entry);
  }
  return [...sums.values()]
    .filter((e) => !e.uncounted)
    .map(({ table, action, measured }) => ({ table, action, measured, max: measured + Math.max(tolerance.rows, Math.floor(measured * tolerance.share)) }))
    .sort((a, b) => a.table.localeCompare(b.table) || a.action.localeCompare(b.action));
}

/** "Will not run if it would delete more than 13,333 rows in `public.orders`." */
export function describeLimit(limit: EffectLimit): string {
  return `Will not run if it would ${limit.action} more than ${fmt(limit.max)} ${limit.max === 1 ? "row" : "rows"} in \`${limit.table}\`.`;
}

/** The thresholds in words, for the policy page and the simulator. */
export function describeMeasurementPolicy(policy: MeasurementPolicy): string {
  const floor = (t: FloorThresholds) => `${pct(t.share)} of a table, ${fmt(t.rows)} rows or ${formatSize(t.bytes)}`;
  const tolerance =
    policy.tolerance.rows === 0 && policy.tolerance.share === 0
      ? "not one row more than measured"
      : `the measured rows plus ${fmt(policy.tolerance.rows)} or ${pct(policy.tolerance.share)}, whichever is more`;
  return (
    `A measured write that reaches every row of a table is critical; ${floor(policy.critical)} (tables of ${fmt(policy.minTableRows)} rows or more for the share) is critical; ` +
    `${floor(policy.high)} is high. At execution the built-in executor allows ${tolerance}.`
  );
}

/** The parse's assessment raised by what the measurement found: it never lowers the level. */
export function withMeasuredRisk(risk: RiskAssessment, effect: MeasuredEffect | null | undefined, policy: MeasurementPolicy = DEFAULT_MEASUREMENT_POLICY): RiskAssessment {
  if (!effect) return risk;
  const measured = measuredFindings(effect, policy);
  return measured.length ? toAssessment([...risk.findings, ...measured], risk.targets) : risk;
}
