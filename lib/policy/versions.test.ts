import { describe, expect, it } from "vitest";
import { isAppError } from "../errors";
import { DEFAULT_MEASUREMENT_POLICY } from "./measurement";
import { DEFAULT_POLICY_RULES } from "./defaults";
import { checkPolicyYaml, diffLines, policyFromYaml, policyToYaml, simulatePastedOperation } from "./versions";

describe("policy YAML", () => {
  it("round-trips the default rules exactly", () => {
    const yaml = policyToYaml(DEFAULT_POLICY_RULES);
    expect(policyFromYaml(yaml)).toEqual({ rules: DEFAULT_POLICY_RULES, circuitBreaker: null, measurement: null });
    expect(policyToYaml(policyFromYaml(yaml).rules)).toBe(yaml);
  });

  it("carries the circuit breaker's thresholds when the policy sets its own, and round-trips them", () => {
    const circuitBreaker = { count: 5, windowSeconds: 120, minRisk: "high" as const, statuses: ["denied"] };
    const yaml = policyToYaml(DEFAULT_POLICY_RULES, circuitBreaker);
    expect(yaml.startsWith("circuitBreaker:\n  count: 5\n  windowSeconds: 120\n  minRisk: high\n  statuses:\n    - denied\nrules:\n  - id: deny-backup-destruction\n")).toBe(true);
    const read = policyFromYaml(yaml);
    expect(read).toEqual({ rules: DEFAULT_POLICY_RULES, circuitBreaker, measurement: null });
    expect(policyToYaml(read.rules, read.circuitBreaker)).toBe(yaml);
  });

  it("carries the measurement's risk floor and tolerance when the policy sets its own, and round-trips them", () => {
    const measurement = { ...DEFAULT_MEASUREMENT_POLICY, tolerance: { rows: 10, share: 0.05 } };
    const yaml = policyToYaml(DEFAULT_POLICY_RULES, null, measurement);
    expect(yaml).toMatch(/^measurement:\n  critical:\n    share: 0\.5\n    rows: 100000\n    bytes: 1073741824\n/);
    expect(yaml).toContain("  tolerance:\n    rows: 10\n    share: 0.05\nrules:\n");
    const read = policyFromYaml(yaml);
    expect(read).toEqual({ rules: DEFAULT_POLICY_RULES, circuitBreaker: null, measurement });
    expect(policyToYaml(read.rules, read.circuitBreaker, read.measurement)).toBe(yaml);
    expect(() => policyFromYaml(yaml.replace("share: 0.05", "share: 2"))).toThrow(/not valid/);
  });

  it("reads as admins write it: one rule per list item, long reasons on one line", () => {
    const yaml = policyToYaml(DEFAULT_POLICY_RULES);
    expect(yaml.startsWith("- id: deny-backup-destruction\n")).toBe(true);
    expect(yaml).toContain("    reason: Deleting or disabling backups, snapshots or point-in-time recovery is never allowed to agents\n");
    expect(yaml).toContain("  match:\n    tier: production\n    minRisk: critical\n");
  });

  it("writes keys in the schema's order whatever order they came in", () => {
    const shuffled = [{ effect: { approvals: 3, type: "require_approval" as const }, match: { minRisk: "critical" as const, tier: "production" as const }, id: "r" }];
    expect(policyToYaml(shuffled)).toBe("- id: r\n  match:\n    tier: production\n    minRisk: critical\n  effect:\n    type: require_approval\n    approvals: 3\n");
  });

  it("treats an empty document as no rules", () => {
    expect(policyFromYaml("")).toEqual({ rules: [], circuitBreaker: null, measurement: null });
    expect(policyToYaml([])).toBe("[]\n");
    expect(policyFromYaml("[]\n")).toEqual({ rules: [], circuitBreaker: null, measurement: null });
  });

  it.each([
    ["a wrong type", "- id: a\n  match: {}\n  effect:\n    type: require_approval\n    approvals: zero\n", "rule 1 (a) effect.approvals"],
    ["an unknown key", "- id: a\n  match:\n    tierr: production\n  effect:\n    type: allow\n", "rule 1 (a) match"],
    ["zero approvals in the second rule", "- id: a\n  match: {}\n  effect: { type: allow }\n- id: b\n  match: {}\n  effect: { type: require_approval, approvals: 0 }\n", "rule 2 (b) effect.approvals"],
    ["a duplicate id", "- id: a\n  match: {}\n  effect: { type: allow }\n- id: a\n  match: {}\n  effect: { type: allow }\n", "rule 2 (a) id"],
    ["not a list", "id: a\n", "(policy)"],
    ["a mapping without rules", "circuitBreaker: { count: 5, windowSeconds: 60, minRisk: critical, statuses: [] }\n", "(policy)"],
    ["a bad rule inside the mapping form", "rules:\n  - id: a\n    match: {}\n    effect: { type: require_approval, approvals: 0 }\n", "rule 1 (a) effect.approvals"],
    ["a zero breaker count", "circuitBreaker: { count: 0, windowSeconds: 60, minRisk: critical, statuses: [] }\nrules: []\n", "circuitBreaker.count"],
    ["an unknown breaker key", "circuitBreaker: { count: 3, windowSeconds: 60, minRisk: critical, statuses: [], burst: 2 }\nrules: []\n", "circuitBreaker"],
    ["broken YAML", "- id: a\n  match: {\n", "line"],
    ["a duplicate key", "- id: a\n  id: b\n  match: {}\n  effect: { type: allow }\n", "line 2"],
    ["an alias", "- &r { id: a, match: {}, effect: { type: allow } }\n- *r\n", "(yaml)"],
  ])("names the rule and field for %s", (_name, yaml, field) => {
    const result = checkPolicyYaml(yaml);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]!.field.startsWith(field), JSON.stringify(result.errors)).toBe(true);
    expect(result.errors[0]!.message.length).toBeGreaterThan(0);
    try {
      policyFromYaml(yaml);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.code === "validation_failed").toBe(true);
    }
  });
});

describe("diffLines", () => {
  it("marks the changed line between two versions", () => {
    const before = policyToYaml(DEFAULT_POLICY_RULES);
    const changed = DEFAULT_POLICY_RULES.map((r) => (r.id === "production-critical" ? { ...r, effect: { type: "require_approval" as const, approvals: 3, passkey: true } } : r));
    const diff = diffLines(before, policyToYaml(changed));
    expect(diff.filter((l) => l.kind === "removed")).toEqual([{ kind: "removed", text: "    approvals: 2" }]);
    expect(diff.filter((l) => l.kind === "added")).toEqual([{ kind: "added", text: "    approvals: 3" }]);
    expect(diff.filter((l) => l.kind === "same")).toHaveLength(before.trimEnd().split("\n").length - 1);
  });

  it("handles empty sides and reordering", () => {
    expect(diffLines("", "a\nb\n")).toEqual([{ kind: "added", text: "a" }, { kind: "added", text: "b" }]);
    expect(diffLines("a\n", "")).toEqual([{ kind: "removed", text: "a" }]);
    expect(diffLines("a\nb\nc\n", "a\nc\nb\n").map((l) => l.kind)).toEqual(["same", "removed", "same", "added"]);
  });
});

describe("simulatePastedOperation", () => {
  // Only tierOf and the registered-resource check touch the database: a stand-in that knows one
  // non-production environment and no resources.
  const prisma = {
    environment: { findUnique: async ({ where }: { where: { name: string } }) => (where.name === "staging" ? { name: "staging", tier: "other" } : null) },
    resource: { count: async () => 0 },
  } as unknown as Parameters<typeof simulatePastedOperation>[0];
  const drop = { kind: "sql", sql: "DROP TABLE customers;" };

  it("fills a missing target from the picked environment and decides with the given rules", async () => {
    const result = await simulatePastedOperation(prisma, { operation: drop, environment: "production", rules: DEFAULT_POLICY_RULES, version: 4 });
    expect(result.tier).toBe("production");
    expect(result.risk.level).toBe("critical");
    expect(result.risk.findings.map((f) => f.id)).toContain("sql.drop_table");
    expect(result.rule?.id).toBe("production-critical");
    expect(result.outcome).toBe("2 approvals required, each with the approver's passkey");
    expect(result.passkeyRequired).toBe(true);
    expect(result.policyVersion).toBe(4);
  });

  it("lets the picked environment override the operation's, and names the agent", async () => {
    const stricter = [{ id: "ci", match: { agents: ["ci-bot"] }, effect: { type: "deny" as const, reason: "no" } }, ...DEFAULT_POLICY_RULES];
    const operation = { ...drop, target: { environment: "production", resource: "pg/app" } };
    const staging = await simulatePastedOperation(prisma, { operation, environment: "staging", rules: DEFAULT_POLICY_RULES, version: null });
    expect(staging.environment).toBe("staging");
    expect(staging.rule?.id).toBe("other-high-critical");
    const asCi = await simulatePastedOperation(prisma, { operation, agentName: " ci-bot ", rules: stricter, version: null });
    expect(asCi.rule?.id).toBe("ci");
    expect(asCi.effect.type).toBe("deny");
  });

  it("refuses an invalid operation with its field", async () => {
    await expect(simulatePastedOperation(prisma, { operation: { kind: "ftp" }, environment: "production", rules: DEFAULT_POLICY_RULES, version: 1 })).rejects.toMatchObject({
      code: "validation_failed",
      errors: [expect.objectContaining({ field: expect.stringMatching(/^operation/) })],
    });
  });
});
