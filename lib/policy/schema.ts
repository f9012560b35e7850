// Policy rules as admins write them: validated strictly (unknown keys refused) because a typo in
// a rule must not silently widen what agents may do.
import { z } from "zod";
import { OPERATION_KINDS } from "../operations/schema";
import { RISK_LEVELS, compareRisk, type RiskLevel } from "../risk/levels";
import { BreakerThresholds } from "./breaker";
import { MeasurementPolicy } from "./measurement";

export const RiskLevelName = z.enum(RISK_LEVELS as [RiskLevel, ...RiskLevel[]]);

const Glob = z.string().min(1).max(200);
/** Empty lists are refused: "matches nothing" is never what an admin means by an empty list. */
const Globs = z.array(Glob).min(1).max(100);

export const PolicyEffect = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("allow") }),
  z.strictObject({
    type: z.literal("require_approval"),
    approvals: z.number().int().min(1).max(10),
    role: z.enum(["approver", "admin"]).optional(),
    /** After the last approval, wait this long — any reviewer may still cancel — before the grant is issued. */
    coolDownSeconds: z.number().int().min(10).max(86_400).optional(),
    /**
     * Step-up: each approval needs the reviewer's passkey, user-verified, bound to this request —
     * a session cookie alone cannot approve. `false` or absent: the session is enough.
     */
    passkey: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal("deny"), reason: z.string().trim().min(1).max(500) }),
]);
export type PolicyEffect = z.infer<typeof PolicyEffect>;

export const PolicyMatch = z
  .strictObject({
    /** Agent names or ids (globs). */
    agents: Globs.optional(),
    /** Environment names (globs). */
    environments: Globs.optional(),
    tier: z.enum(["production", "other"]).optional(),
    /** Resource names (globs). */
    resources: Globs.optional(),
    kinds: z.array(z.enum(OPERATION_KINDS)).min(1).optional(),
    /** MCP gateway calls: the upstream tool's name (globs such as `delete_*`). */
    tools: Globs.optional(),
    /** MCP gateway calls: argument values (by top-level name, globs), all of which must match. */
    arguments: z.record(z.string().min(1).max(100), Glob).optional(),
    /** Whether the target names a registered resource: `registered: false` with deny makes production go through one. */
    registered: z.boolean().optional(),
    minRisk: RiskLevelName.optional(),
    maxRisk: RiskLevelName.optional(),
    /** Any of these finding ids (globs such as `backup.*`). */
    findings: Globs.optional(),
    /** Any of these touched objects (globs such as `public.*`). */
    targets: Globs.optional(),
  })
  .refine((m) => !m.minRisk || !m.maxRisk || compareRisk(m.minRisk, m.maxRisk) <= 0, {
    message: "minRisk must not be above maxRisk",
    path: ["maxRisk"],
  });
export type PolicyMatch = z.infer<typeof PolicyMatch>;

export const PolicyRule = z.strictObject({
  id: z.string().min(1).max(100),
  description: z.string().max(500).optional(),
  match: PolicyMatch,
  effect: PolicyEffect,
});
export type PolicyRule = z.infer<typeof PolicyRule>;

export const PolicyRules = z
  .array(PolicyRule)
  .max(500)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: "custom", message: `duplicate rule id "${rule.id}"`, path: [index, "id"] });
      seen.add(rule.id);
    });
  });
export type PolicyRules = z.infer<typeof PolicyRules>;

/**
 * A whole policy as admins write it: the rules and, optionally, the circuit breaker's thresholds
 * and the measurement's risk floor and tolerance (absent → the built-in defaults). A policy with
 * default thresholds is written as a bare rule list.
 */
export const PolicyDocument = z.strictObject({
  circuitBreaker: BreakerThresholds.optional(),
  measurement: MeasurementPolicy.optional(),
  rules: PolicyRules,
});
export type PolicyDocument = z.infer<typeof PolicyDocument>;
