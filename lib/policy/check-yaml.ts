// Policy YAML checked without a server: YAML syntax errors with their line, schema problems named
// by rule number, rule id and field. Pure, so the policy editor runs it as the admin types and the
// server runs the very same check before it saves.
import { parseDocument } from "yaml";
import type { FieldError } from "../errors";
import type { BreakerThresholds } from "./breaker";
import type { MeasurementPolicy } from "./measurement";
import { PolicyDocument, PolicyRules, type PolicyRule } from "./schema";

/** Larger than any sensible policy (500 rules), small enough that parsing stays cheap. */
export const MAX_POLICY_YAML_LENGTH = 256 * 1024;

export type PolicyYamlCheck =
  | { ok: true; rules: PolicyRule[]; circuitBreaker: BreakerThresholds | null; measurement: MeasurementPolicy | null }
  | { ok: false; errors: FieldError[] };

/** Parses and validates policy YAML without throwing: YAML syntax errors carry their line. */
export function checkPolicyYaml(text: string): PolicyYamlCheck {
  if (text.length > MAX_POLICY_YAML_LENGTH) {
    return { ok: false, errors: [{ field: "(policy)", message: `is longer than ${MAX_POLICY_YAML_LENGTH / 1024} KiB` }] };
  }
  // Aliases are refused outright: a policy has no use for them, and they can expand enormously.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ field: e.linePos ? `line ${e.linePos[0].line}` : "(yaml)", message: firstLine(e.message) })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (error) {
    return { ok: false, errors: [{ field: "(yaml)", message: error instanceof Error ? firstLine(error.message) : "cannot be read" }] };
  }
  if (value === null || value === undefined) value = [];
  if (Array.isArray(value)) {
    const parsed = PolicyRules.safeParse(value);
    if (parsed.success) return { ok: true, rules: parsed.data, circuitBreaker: null, measurement: null };
    return { ok: false, errors: parsed.error.issues.map((issue) => ({ field: issueLabel(issue.path, value as unknown[]), message: issue.message })) };
  }
  const parsed = PolicyDocument.safeParse(value);
  if (parsed.success) return { ok: true, rules: parsed.data.rules, circuitBreaker: parsed.data.circuitBreaker ?? null, measurement: parsed.data.measurement ?? null };
  const source = (value as { rules?: unknown }).rules;
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      field: issue.path[0] === "rules" ? issueLabel(issue.path.slice(1), Array.isArray(source) ? source : undefined) : issue.path.map(String).join(".") || "(policy)",
      message: issue.message,
    })),
  };
}

/** "rule 2 (production-critical) effect.approvals" from a zod path such as [1, "effect", "approvals"]. */
function issueLabel(path: PropertyKey[], rules: unknown[] | undefined): string {
  if (path.length === 0) return "(policy)";
  const [first, ...rest] = path;
  if (typeof first !== "number") return path.map(String).join(".");
  const id = (rules?.[first] as { id?: unknown } | undefined)?.id;
  const name = typeof id === "string" && id ? `rule ${first + 1} (${id})` : `rule ${first + 1}`;
  return rest.length > 0 ? `${name} ${rest.map(String).join(".")}` : name;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
