// Policy versions in the database. Every change is a new version; the newest is in force, and
// each request records the version that decided it.
import canonicalize from "canonicalize";
import type { PrismaClient, Tx } from "../db";
import { appendAudit } from "../audit";
import type { Actor } from "../actors";
import { isUniqueViolation } from "../errors";
import { parseInput } from "../validate";
import { DEFAULT_POLICY_RULES } from "./index";
import { PolicyRules, type PolicyRule } from "./schema";
import { BreakerThresholds, DEFAULT_BREAKER_THRESHOLDS } from "./breaker";
import { DEFAULT_MEASUREMENT_POLICY, MeasurementPolicy } from "./measurement";

export interface PolicyVersionView {
  version: number;
  rules: PolicyRule[];
  /** The version's own thresholds, or null for the built-in defaults. */
  circuitBreaker: BreakerThresholds | null;
  /** The version's own measurement thresholds, or null for the built-in defaults. */
  measurement: MeasurementPolicy | null;
  authorId: string | null;
  note: string;
  createdAt: Date;
}

export async function currentPolicy(prisma: PrismaClient | Tx): Promise<PolicyVersionView> {
  const row = await prisma.policyVersion.findFirst({ orderBy: { version: "desc" } });
  if (!row) throw new Error("No policy version exists: the server seeds one at start-up.");
  return policyView(row);
}

function policyView(row: { version: number; rules: unknown; circuitBreaker: unknown; measurement: unknown; authorId: string | null; note: string; createdAt: Date }): PolicyVersionView {
  return {
    ...row,
    rules: row.rules as unknown as PolicyRule[],
    circuitBreaker: row.circuitBreaker as unknown as BreakerThresholds | null,
    measurement: row.measurement as unknown as MeasurementPolicy | null,
  };
}

// Versions are never changed once written, so a version read once is kept. The key adds the
// row's xmin (the transaction that wrote it): a version number re-used after the table was emptied
// and re-seeded is a different row and is read afresh.
const versionCache = new WeakMap<object, Map<string, PolicyVersionView>>();
const VERSION_CACHE_SIZE = 8;

/**
 * The version named by `version` and `rev` (its row's xmin), read once per process. Callers learn
 * both from one query together with whatever else they need (see lib/requests/intake.ts), so the
 * newest version is still read from the database every time, and only its rules are reused.
 */
export async function policyAtRevision(prisma: PrismaClient | Tx, version: number, rev: string): Promise<PolicyVersionView> {
  let cache = versionCache.get(prisma);
  if (!cache) versionCache.set(prisma, (cache = new Map()));
  const key = `${version}:${rev}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const row = await prisma.policyVersion.findUnique({ where: { version } });
  if (!row) throw new Error(`Policy version ${version} does not exist.`);
  const view = policyView(row);
  if (cache.size >= VERSION_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, view);
  return view;
}

/** The risk floor and tolerance a version applies to measured effects: its own, or the defaults. */
export function measurementPolicyOf(policy: { measurement: MeasurementPolicy | null }): MeasurementPolicy {
  return policy.measurement ?? DEFAULT_MEASUREMENT_POLICY;
}

/** The thresholds a version's circuit breaker uses: its own, or the built-in defaults. */
export function breakerThresholdsOf(policy: { circuitBreaker: BreakerThresholds | null }): BreakerThresholds {
  return policy.circuitBreaker ?? DEFAULT_BREAKER_THRESHOLDS;
}

export async function listPolicyVersions(prisma: PrismaClient) {
  return prisma.policyVersion.findMany({ orderBy: { version: "desc" } });
}

/**
 * Saves rules (and the circuit breaker's and measurement's thresholds; null → the defaults) as a new
 * version — unless they are exactly the version in force, which is then returned with
 * `unchanged: true` and nothing is written (re-importing the same file makes no new version).
 */
export async function savePolicy(
  prisma: PrismaClient,
  input: unknown,
  actor: Actor,
  note = "",
  circuitBreakerInput: unknown = null,
  measurementInput: unknown = null,
): Promise<PolicyVersionView & { unchanged?: true }> {
  const rules = parseInput(PolicyRules, input, "The policy is not valid.");
  const circuitBreaker =
    circuitBreakerInput === null || circuitBreakerInput === undefined
      ? null
      : parseInput(BreakerThresholds, circuitBreakerInput, "The circuit breaker thresholds are not valid.");
  const measurement =
    measurementInput === null || measurementInput === undefined
      ? null
      : parseInput(MeasurementPolicy, measurementInput, "The measurement thresholds are not valid.");
  return prisma.$transaction(async (tx) => {
    const last = await tx.policyVersion.findFirst({ orderBy: { version: "desc" } });
    if (last && sameContent(last, { rules, circuitBreaker, measurement })) return { ...policyView(last), unchanged: true as const };
    const version = (last?.version ?? 0) + 1;
    const row = await tx.policyVersion.create({
      data: {
        version,
        rules: rules as object,
        ...(circuitBreaker ? { circuitBreaker } : {}),
        ...(measurement ? { measurement } : {}),
        authorId: actor.type === "user" ? (actor.id ?? null) : null,
        note,
      },
    });
    await appendAudit(tx, {
      type: "policy.changed",
      actor,
      subject: { type: "policy", id: String(version) },
      data: { version, note, rules: rules.length, circuitBreaker, measurement },
    });
    return { ...row, rules, circuitBreaker, measurement };
  });
}

function sameContent(stored: { rules: unknown; circuitBreaker: unknown; measurement: unknown }, next: { rules: unknown; circuitBreaker: unknown; measurement: unknown }): boolean {
  const canonical = (v: { rules: unknown; circuitBreaker: unknown; measurement: unknown }) =>
    canonicalize({ rules: v.rules, circuitBreaker: v.circuitBreaker ?? null, measurement: v.measurement ?? null });
  return canonical(stored) === canonical(next);
}

/** Seeds version 1 with the default rules when no policy exists. */
export async function seedPolicy(prisma: PrismaClient, actor: Actor): Promise<void> {
  if (await prisma.policyVersion.count()) return;
  try {
    await savePolicy(prisma, DEFAULT_POLICY_RULES, actor, "Default rules");
  } catch (error) {
    if (!isUniqueViolation(error)) throw error; // another instance seeded it first
  }
}
