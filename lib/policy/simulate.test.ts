import { beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../operations/schema";
import { loadRiskEngine } from "../risk";
import { DEFAULT_POLICY_RULES } from "./defaults";
import type { PolicyRule } from "./schema";
import { formatSimulation, simulatePolicy } from "./simulate";

beforeAll(async () => {
  await loadRiskEngine();
});

const op = (environment: string, rest: Record<string, unknown>) =>
  Operation.parse({ target: { environment, resource: "postgres/main" }, ...rest });
const agent = { id: "agent_1", name: "fixer-bot" };

describe("simulatePolicy", () => {
  it.each([
    ["SELECT in production", "production", "production", { kind: "sql", sql: "SELECT 1" }, "low", "allow-low", 4, { type: "allow" }],
    ["DROP TABLE in staging", "staging", "other", { kind: "sql", sql: "DROP TABLE customers" }, "critical", "other-high-critical", 3, { type: "require_approval", approvals: 1 }],
    ["DROP TABLE in production", "production", "production", { kind: "sql", sql: "DROP TABLE customers" }, "critical", "production-critical", 1, { type: "require_approval", approvals: 2, passkey: true }],
    ["a snapshot deletion anywhere", "staging", "other", { kind: "shell", command: "aws rds delete-db-snapshot --db-snapshot-identifier x" }, "critical", "deny-backup-destruction", 0, expect.objectContaining({ type: "deny" })],
  ] as const)("%s: findings, risk, the matching rule and its effect", (_label, environment, tier, operation, level, ruleId, index, effect) => {
    const result = simulatePolicy({ operation: op(environment, operation), agent, tier, rules: DEFAULT_POLICY_RULES, version: 3 });
    expect(result.risk.level).toBe(level);
    expect(result.rule).toMatchObject({ id: ruleId, index });
    expect(result.effect).toEqual(effect);
    expect(result.policyVersion).toBe(3);
    expect(result.explanation).toContain(`Rule ${index + 1}, ${ruleId}`);
  });

  it("reports the findings and targets of the operation", () => {
    const result = simulatePolicy({ operation: op("production", { kind: "sql", sql: "TRUNCATE public.orders" }), tier: "production", rules: DEFAULT_POLICY_RULES, version: 1 });
    expect(result.risk.findings.map((f) => f.id)).toContain("sql.truncate");
    expect(result.risk.targets).toContain("public.orders");
    expect(result).toMatchObject({ kind: "sql", environment: "production", resource: "postgres/main", agent: null });
  });

  it("falls back to one approval when no rule matches", () => {
    const result = simulatePolicy({ operation: op("staging", { kind: "sql", sql: "SELECT 1" }), agent, tier: "other", rules: [], version: null });
    expect(result.rule).toBeNull();
    expect(result.effect).toEqual({ type: "require_approval", approvals: 1 });
    expect(result.explanation).toMatch(/No policy rule matched/);
  });

  it("matches agent rules only when an agent is given (or the rule says *)", () => {
    const rules: PolicyRule[] = [
      { id: "trust-fixer", match: { agents: ["fixer-bot"] }, effect: { type: "allow" } },
      { id: "everyone", match: { agents: ["*"] }, effect: { type: "deny", reason: "frozen" } },
    ];
    const operation = op("staging", { kind: "sql", sql: "SELECT 1" });
    expect(simulatePolicy({ operation, agent, tier: "other", rules, version: 1 }).rule?.id).toBe("trust-fixer");
    expect(simulatePolicy({ operation, tier: "other", rules, version: 1 }).rule?.id).toBe("everyone");
  });

  it("refuses everything under invalid rules, as the real engine does", () => {
    const result = simulatePolicy({ operation: op("staging", { kind: "sql", sql: "SELECT 1" }), tier: "other", rules: [{ id: "x" } as unknown as PolicyRule], version: 9 });
    expect(result.effect.type).toBe("deny");
    expect(result.rule).toBeNull();
  });

  it("formats the decision, the rule and each finding for a terminal", () => {
    const text = formatSimulation(
      simulatePolicy({ operation: op("production", { kind: "sql", sql: "DROP TABLE customers" }), agent, tier: "production", rules: DEFAULT_POLICY_RULES, version: 2 }),
    );
    expect(text).toContain("Decision: 2 approvals required, each with the approver's passkey");
    expect(text).toContain("Each approval needs the reviewer's passkey (user-verified).");
    expect(text).toContain("Rule: #2 production-critical");
    expect(text).toContain("Policy version: 2");
    expect(text).toMatch(/- \[critical\] sql\.drop_table: /);
  });
});
