// Policy as admins read and write it: YAML that round-trips exactly, readable validation errors
// (rule number, rule id and field), a line diff between two versions, the version history, and
// the simulator (what would these rules decide for this operation?).
import { stringify } from "yaml";
import type { PrismaClient } from "../db";
import { tierOf } from "../environments";
import { AppError } from "../errors";
import { Operation } from "../operations/schema";
import { isRiskEngineLoaded, loadRiskEngine } from "../risk";
import { fieldErrors } from "../validate";
import { simulatePolicy, type PolicySimulation } from "./simulate";
import { PolicyDocument, PolicyRules, type PolicyRule } from "./schema";
import { checkPolicyYaml } from "./check-yaml";

export { checkPolicyYaml, MAX_POLICY_YAML_LENGTH, type PolicyYamlCheck } from "./check-yaml";
import type { BreakerThresholds } from "./breaker";
import type { MeasuredEffect, MeasurementPolicy } from "./measurement";


/**
 * The canonical YAML of a policy. Rules are normalised through the schema first, so key order is
 * always the schema's and `policyFromYaml(policyToYaml(rules, breaker))` deep-equals the input.
 * With the default circuit breaker (null) the policy is a bare rule list; with thresholds of its
 * own (or measurement thresholds) it is a mapping of `circuitBreaker`, `measurement` and `rules`.
 * Long strings are never folded (lineWidth 0), so a reason reads on one line and diffs cleanly.
 */
export function policyToYaml(rules: PolicyRule[], circuitBreaker: BreakerThresholds | null = null, measurement: MeasurementPolicy | null = null): string {
  const normalised =
    circuitBreaker || measurement
      ? PolicyDocument.parse({ ...(circuitBreaker ? { circuitBreaker } : {}), ...(measurement ? { measurement } : {}), rules })
      : PolicyRules.parse(rules);
  return stringify(normalised, { lineWidth: 0, minContentWidth: 0, indent: 2, indentSeq: true, aliasDuplicateObjects: false });
}

/** Parses and validates policy YAML; an AppError (422) names each problem by rule and field. */
export function policyFromYaml(text: string): { rules: PolicyRule[]; circuitBreaker: BreakerThresholds | null; measurement: MeasurementPolicy | null } {
  const result = checkPolicyYaml(text);
  if (!result.ok) throw new AppError("validation_failed", "The policy YAML is not valid.", result.errors);
  return { rules: result.rules, circuitBreaker: result.circuitBreaker, measurement: result.measurement };
}


export type DiffLine = { kind: "same" | "added" | "removed"; text: string };

/** Past this many line pairs the diff stops looking for common lines and shows old, then new. */
const MAX_DIFF_CELLS = 4_000_000;

/** A line diff (longest common subsequence), old → new. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  // Common head and tail first: most versions differ in a few lines.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const out: DiffLine[] = a.slice(0, head).map((text) => ({ kind: "same", text }));
  if (midA.length * midB.length > MAX_DIFF_CELLS) {
    out.push(...midA.map((text) => ({ kind: "removed" as const, text })), ...midB.map((text) => ({ kind: "added" as const, text })));
  } else {
    out.push(...lcsDiff(midA, midB));
  }
  out.push(...a.slice(a.length - tail).map((text) => ({ kind: "same" as const, text })));
  return out;
}

function lcsDiff(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  // lengths[i][j] = LCS length of a[i..] and b[j..], flattened.
  const lengths = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * (m + 1) + j] =
        a[i] === b[j] ? lengths[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lengths[(i + 1) * (m + 1) + j]!, lengths[i * (m + 1) + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: "same", text: a[i]! });
      i++;
      j++;
    } else if (lengths[(i + 1) * (m + 1) + j]! >= lengths[i * (m + 1) + j + 1]!) {
      out.push({ kind: "removed", text: a[i++]! });
    } else {
      out.push({ kind: "added", text: b[j++]! });
    }
  }
  while (i < n) out.push({ kind: "removed", text: a[i++]! });
  while (j < m) out.push({ kind: "added", text: b[j++]! });
  return out;
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export interface PolicyVersionEntry {
  version: number;
  rules: PolicyRule[];
  circuitBreaker: BreakerThresholds | null;
  measurement: MeasurementPolicy | null;
  authorEmail: string | null;
  note: string;
  createdAt: Date;
}

/** Every version, newest first, with its author's email (null for the system or a deleted user). */
export async function listPolicyHistory(prisma: PrismaClient): Promise<PolicyVersionEntry[]> {
  const rows = await prisma.policyVersion.findMany({ orderBy: { version: "desc" } });
  const authorIds = [...new Set(rows.map((r) => r.authorId).filter((id): id is string => id !== null))];
  const authors = authorIds.length
    ? await prisma.user.findMany({ where: { id: { in: authorIds } }, select: { id: true, email: true } })
    : [];
  const emails = new Map(authors.map((u) => [u.id, u.email]));
  return rows.map((row) => ({
    version: row.version,
    rules: row.rules as unknown as PolicyRule[],
    circuitBreaker: row.circuitBreaker as unknown as BreakerThresholds | null,
    measurement: row.measurement as unknown as MeasurementPolicy | null,
    authorEmail: row.authorId ? (emails.get(row.authorId) ?? null) : null,
    note: row.note,
    createdAt: row.createdAt,
  }));
}

/** One version's rules, or a 404 AppError. */
export async function getPolicyVersion(
  prisma: PrismaClient,
  version: number,
): Promise<{ version: number; rules: PolicyRule[]; circuitBreaker: BreakerThresholds | null; measurement: MeasurementPolicy | null }> {
  const row = Number.isSafeInteger(version) ? await prisma.policyVersion.findUnique({ where: { version } }) : null;
  if (!row) throw new AppError("not_found", `Policy version ${version} does not exist.`);
  return {
    version: row.version,
    rules: row.rules as unknown as PolicyRule[],
    circuitBreaker: row.circuitBreaker as unknown as BreakerThresholds | null,
    measurement: row.measurement as unknown as MeasurementPolicy | null,
  };
}

export interface SimulationRequest {
  /** The operation as pasted: parsed JSON. A missing `target` is filled from `environment`. */
  operation: unknown;
  /** Overrides the operation's environment when given. */
  environment?: string;
  /** Optional: without one, only rules for every agent (`*`) or none in particular match. */
  agentName?: string;
  rules: PolicyRule[];
  /** The version the rules come from, or null for unsaved rules. */
  version: number | null;
  /** The measurement's thresholds of that policy (null → the defaults). */
  measurement?: MeasurementPolicy | null;
  /** A past request's own measurement, replayed under these thresholds. */
  measured?: MeasuredEffect | null;
}

/**
 * The simulator for pasted input: validates the operation, looks up the environment's tier and
 * runs `simulatePolicy` (the real classifier and policy engine) on the given rules.
 */
export async function simulatePastedOperation(prisma: PrismaClient, input: SimulationRequest): Promise<PolicySimulation> {
  let raw = input.operation;
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const given = raw as Record<string, unknown>;
    const target = given.target && typeof given.target === "object" ? (given.target as Record<string, unknown>) : { resource: "simulator" };
    raw = { ...given, target: { ...target, ...(input.environment ? { environment: input.environment } : {}) } };
  }
  const parsed = Operation.safeParse(raw);
  if (!parsed.success) throw new AppError("validation_failed", "The operation is not valid.", fieldErrors(parsed.error, "operation"));
  if (!isRiskEngineLoaded()) await loadRiskEngine();
  const agentName = input.agentName?.trim();
  return simulatePolicy({
    operation: parsed.data,
    agent: agentName ? { id: agentName, name: agentName } : undefined,
    tier: await tierOf(prisma, parsed.data.target.environment),
    rules: input.rules,
    version: input.version,
    measurement: input.measurement ?? undefined,
    measured: input.measured ?? undefined,
    registered: (await prisma.resource.count({ where: { name: parsed.data.target.resource } })) > 0,
  });
}
