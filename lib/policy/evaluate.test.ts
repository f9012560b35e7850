import { beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../operations/schema";
import { assessRisk, loadRiskEngine, type RiskAssessment } from "../risk";
import { DEFAULT_POLICY_RULES } from "./defaults";
import { describeEffect, evaluatePolicy, needsPasskey, type PolicyInput } from "./evaluate";
import type { PolicyRule } from "./schema";

beforeAll(async () => {
  await loadRiskEngine();
});

const TIERS: Record<string, "production" | "other"> = { production: "production", staging: "other", development: "other" };

/** The whole path an agent's request takes: classify the operation, then apply policy. */
function decide(environment: string, operation: Record<string, unknown>, rules: PolicyRule[] = DEFAULT_POLICY_RULES) {
  const op = Operation.parse({ target: { environment, resource: "postgres/main" }, ...operation });
  return evaluatePolicy(rules, {
    agent: { id: "agent_1", name: "fixer-bot" },
    environment,
    tier: TIERS[environment] ?? "production",
    resource: op.target.resource,
    kind: op.kind,
    risk: assessRisk(op),
  });
}

const sql = (text: string) => ({ kind: "sql", sql: text });

describe("the default policy gives DESIGN.md's outcomes", () => {
  it.each([
    ["SELECT in staging", "staging", sql("SELECT * FROM customers"), { type: "allow" }, "allow-low"],
    ["SELECT in production", "production", sql("SELECT * FROM customers"), { type: "allow" }, "allow-low"],
    ["DROP TABLE in staging", "staging", sql("DROP TABLE customers;"), { type: "require_approval", approvals: 1 }, "other-high-critical"],
    ["DROP TABLE in production", "production", sql("DROP TABLE customers;"), { type: "require_approval", approvals: 2, passkey: true }, "production-critical"],
    ["an unknown custom action in production", "production", { kind: "custom", action: "rotate_keys" }, { type: "require_approval", approvals: 1 }, "production-medium-high"],
    ["an unknown custom action in staging", "staging", { kind: "custom", action: "rotate_keys" }, { type: "require_approval", approvals: 1 }, "other-high-critical"],
    ["INSERT in production", "production", sql("INSERT INTO t VALUES (1)"), { type: "require_approval", approvals: 1 }, "production-medium-high"],
    ["INSERT in staging", "staging", sql("INSERT INTO t VALUES (1)"), { type: "allow" }, "allow-medium-outside-production"],
    ["an undefined environment counts as production", "qa-7", sql("DROP TABLE t"), { type: "require_approval", approvals: 2, passkey: true }, "production-critical"],
    ["an unclassified shell command in development", "development", { kind: "shell", command: "make deploy" }, { type: "require_approval", approvals: 1 }, "other-high-critical"],
    ["an HTTP read in production", "production", { kind: "http", method: "GET", url: "https://api.example.com/x" }, { type: "allow" }, "allow-low"],
  ])("%s", (_label, environment, operation, effect, ruleId) => {
    const decision = decide(environment, operation);
    expect(decision.effect).toEqual(effect);
    expect(decision.ruleId).toBe(ruleId);
    expect(decision.ruleIndex).toBe(DEFAULT_POLICY_RULES.findIndex((r) => r.id === ruleId));
  });

  const backupDeletions: [string, Record<string, unknown>][] = [
    ["Railway volume backup delete", { kind: "http", method: "POST", url: "https://backboard.railway.com/graphql/v2", body: { query: 'mutation { volumeInstanceBackupDelete(volumeInstanceId: "i", volumeInstanceBackupId: "b") { workflowId } }' } }],
    ["RDS snapshot delete", { kind: "http", method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=DeleteDBSnapshot&DBSnapshotIdentifier=s" }],
    ["RDS instance delete with its automated backups", { kind: "http", method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=DeleteDBInstance&DBInstanceIdentifier=prod" }],
    ["aws ec2 delete-snapshot", { kind: "shell", command: "aws ec2 delete-snapshot --snapshot-id snap-1" }],
    ["turning off WAL archiving", sql("ALTER SYSTEM SET archive_mode = off")],
    ["dropping production data and disabling PITR together", sql("DROP TABLE customers; ALTER SYSTEM SET archive_command = ''")],
  ];

  it.each(backupDeletions.flatMap(([label, op]) => [[`${label} in production`, "production", op] as const, [`${label} in staging`, "staging", op] as const]))(
    "%s is denied",
    (_label, environment, operation) => {
      const decision = decide(environment, operation);
      expect(decision.effect).toEqual({
        type: "deny",
        reason: "Deleting or disabling backups, snapshots or point-in-time recovery is never allowed to agents",
      });
      expect(decision.ruleId).toBe("deny-backup-destruction");
      expect(decision.ruleIndex).toBe(0);
    },
  );

  it("lets an RDS instance deletion that keeps its backups go to two approvals in production", () => {
    const decision = decide("production", { kind: "http", method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=DeleteDBInstance&DeleteAutomatedBackups=false" });
    expect(decision.effect).toEqual({ type: "require_approval", approvals: 2, passkey: true });
  });
});

const risk = (level: RiskAssessment["level"], findings: string[] = [], targets: string[] = []): RiskAssessment => ({
  level,
  findings: findings.map((id) => ({ id, level, message: id })),
  targets,
});

const input = (overrides: Partial<PolicyInput> = {}): PolicyInput => ({
  agent: { id: "agent_42", name: "ci-deployer" },
  environment: "staging",
  tier: "other",
  resource: "postgres/main",
  kind: "sql",
  risk: risk("medium", ["sql.write"], ["public.orders"]),
  ...overrides,
});

const allow = (id: string, match: PolicyRule["match"]): PolicyRule => ({ id, match, effect: { type: "allow" } });

describe("evaluatePolicy", () => {
  it("requires 1 approval when nothing matches", () => {
    expect(evaluatePolicy([], input())).toEqual({
      effect: { type: "require_approval", approvals: 1 },
      ruleId: null,
      ruleIndex: null,
      explanation: "No policy rule matched: 1 approval required by default.",
    });
  });

  it("takes the first matching rule", () => {
    const rules: PolicyRule[] = [
      allow("never", { environments: ["production"] }),
      { id: "first", match: { kinds: ["sql"] }, effect: { type: "require_approval", approvals: 3, role: "admin" } },
      allow("second", {}),
    ];
    const decision = evaluatePolicy(rules, input());
    expect(decision.ruleId).toBe("first");
    expect(decision.ruleIndex).toBe(1);
    expect(decision.effect).toEqual({ type: "require_approval", approvals: 3, role: "admin" });
  });

  it.each([
    ["agent by name", { agents: ["ci-*"] }, true],
    ["agent by id", { agents: ["agent_42"] }, true],
    ["agent, case-sensitive", { agents: ["CI-*"] }, false],
    ["environment", { environments: ["stag*"] }, true],
    ["another environment", { environments: ["production"] }, false],
    ["tier", { tier: "other" }, true],
    ["another tier", { tier: "production" }, false],
    ["resource", { resources: ["postgres/*"] }, true],
    ["another resource", { resources: ["redis/*"] }, false],
    ["kind", { kinds: ["shell", "sql"] }, true],
    ["another kind", { kinds: ["http"] }, false],
    ["minRisk at the level", { minRisk: "medium" }, true],
    ["minRisk above the level", { minRisk: "high" }, false],
    ["maxRisk at the level", { maxRisk: "medium" }, true],
    ["maxRisk below the level", { maxRisk: "low" }, false],
    ["finding glob", { findings: ["backup.*", "sql.*"] }, true],
    ["finding glob that matches nothing", { findings: ["backup.*"] }, false],
    ["target glob", { targets: ["public.*"] }, true],
    ["target glob that matches nothing", { targets: ["billing.*"] }, false],
    ["all conditions together", { agents: ["ci-*"], environments: ["staging"], tier: "other", resources: ["postgres/main"], kinds: ["sql"], minRisk: "low", maxRisk: "high", findings: ["sql.write"], targets: ["public.orders"] }, true],
    ["all but one condition", { agents: ["ci-*"], environments: ["staging"], tier: "other", kinds: ["sql"], targets: ["public.customers"] }, false],
  ] satisfies [string, PolicyRule["match"], boolean][])("matches on %s: %s", (_label, match, matches) => {
    const decision = evaluatePolicy([allow("rule", match)], input());
    expect(decision.ruleId).toBe(matches ? "rule" : null);
  });

  it("does not match findings or targets when the operation has none", () => {
    const none = input({ risk: risk("low") });
    expect(evaluatePolicy([allow("f", { findings: ["*"] })], none).ruleId).toBeNull();
    expect(evaluatePolicy([allow("t", { targets: ["*"] })], none).ruleId).toBeNull();
  });

  it("explains which conditions matched and what follows", () => {
    const decision = evaluatePolicy(DEFAULT_POLICY_RULES, input({ tier: "production", environment: "production", risk: risk("critical", ["sql.drop_table"]) }));
    expect(decision.explanation).toBe(
      "Rule 2, production-critical (Critical operations in production), matched because the environment is production; risk is critical (critical or above): 2 approvals required, each with the approver's passkey.",
    );
    const deny = evaluatePolicy(DEFAULT_POLICY_RULES, input({ risk: risk("critical", ["backup.delete_snapshot"]) }));
    expect(deny.explanation).toContain("finding backup.delete_snapshot is listed");
    expect(deny.explanation).toContain("refused: Deleting or disabling backups");
  });

  it("never lets an operation with hidden or look-alike characters through unseen, whatever a rule allows", () => {
    const allowShell: PolicyRule[] = [{ id: "dev-shell", match: { kinds: ["shell"], environments: ["development"] }, effect: { type: "allow" } }];
    expect(decide("development", { kind: "shell", command: "ls /srv/data" }, allowShell).effect).toEqual({ type: "allow" });
    for (const command of ["ls /srv/d\u0430ta", "ls /srv/\u202edata"]) {
      const decision = decide("development", { kind: "shell", command }, allowShell);
      expect(decision.effect).toEqual({ type: "require_approval", approvals: 1 });
      expect(decision.ruleId).toBe("dev-shell");
      expect(decision.explanation).toMatch(/it would be allowed, but the operation (holds hidden characters|mixes look-alike letters from another script into Latin words): 1 approval required, with the resource name typed\.$/);
    }
    // A rule that asks for people or refuses keeps its effect; the explanation names the typed confirmation.
    const approval = decide("staging", sql("DELETE FROM \u043erders WHERE id = 1"));
    expect(approval.effect).toEqual({ type: "require_approval", approvals: 1 });
    expect(approval.explanation).toContain("The operation mixes look-alike letters from another script into Latin words, so approving it needs the resource name typed.");
    expect(decide("production", sql("DROP TABLE \u202eorders")).effect).toEqual({ type: "require_approval", approvals: 2, passkey: true });
    const deny: PolicyRule[] = [{ id: "no", match: {}, effect: { type: "deny", reason: "frozen" } }];
    expect(decide("staging", sql("SELECT 1 -- \u200b"), deny).effect).toEqual({ type: "deny", reason: "frozen" });
  });

  it("refuses everything when the rules are invalid, rather than guessing", () => {
    const broken = [{ id: "zero", match: {}, effect: { type: "require_approval", approvals: 0 } }] as unknown as PolicyRule[];
    const decision = evaluatePolicy(broken, input({ risk: risk("low") }));
    expect(decision.effect.type).toBe("deny");
    expect(decision.ruleId).toBeNull();
    expect(decision.ruleIndex).toBeNull();
  });
});

describe("passkey step-up", () => {
  const needsStepUp = (environment: string, operation: Record<string, unknown>, rules?: PolicyRule[]) => needsPasskey(decide(environment, operation, rules).effect);

  it.each([
    ["DROP TABLE in production", "production", sql("DROP TABLE customers;"), true],
    ["DROP TABLE in an undefined environment (counts as production)", "qa-7", sql("DROP TABLE customers;"), true],
    ["DROP TABLE in staging", "staging", sql("DROP TABLE customers;"), false],
    ["INSERT in production (medium)", "production", sql("INSERT INTO t VALUES (1)"), false],
    ["an unknown custom action in production (high)", "production", { kind: "custom", action: "rotate_keys" }, false],
    ["SELECT in production (allowed)", "production", sql("SELECT 1"), false],
  ])("the default policy asks for a passkey: %s → %s", (_label, environment, operation, expected) => {
    expect(needsStepUp(environment, operation)).toBe(expected);
  });

  it("is whatever the matching rule says: a rule can add it, or leave it off", () => {
    const stagingToo: PolicyRule[] = [
      { id: "staging-critical", match: { environments: ["staging"], minRisk: "critical" }, effect: { type: "require_approval", approvals: 1, passkey: true } },
      { id: "production-critical-plain", match: { tier: "production", minRisk: "critical" }, effect: { type: "require_approval", approvals: 2, passkey: false } },
      ...DEFAULT_POLICY_RULES,
    ];
    expect(needsStepUp("staging", sql("DROP TABLE customers;"), stagingToo)).toBe(true);
    expect(needsStepUp("production", sql("DROP TABLE customers;"), stagingToo)).toBe(false);
  });

  it("says so in the effect's words", () => {
    expect(describeEffect({ type: "require_approval", approvals: 2, passkey: true })).toBe("2 approvals required, each with the approver's passkey");
    expect(describeEffect({ type: "require_approval", approvals: 1, passkey: true, coolDownSeconds: 60 })).toBe("1 approval required, with the approver's passkey, then a 60 s cool-down");
    expect(describeEffect({ type: "require_approval", approvals: 2 })).toBe("2 approvals required");
  });

  it("never applies to allow or deny", () => {
    expect(needsPasskey({ type: "allow" })).toBe(false);
    expect(needsPasskey({ type: "deny", reason: "no" })).toBe(false);
  });
});
