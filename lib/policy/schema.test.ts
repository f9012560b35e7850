import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY_RULES } from "./defaults";
import { PolicyRule, PolicyRules } from "./schema";

const rule = (overrides: Record<string, unknown> = {}) => ({
  id: "r1",
  match: { tier: "production" },
  effect: { type: "require_approval", approvals: 2 },
  ...overrides,
});

describe("PolicyRule", () => {
  it("accepts the default rules", () => {
    expect(PolicyRules.parse(DEFAULT_POLICY_RULES)).toEqual(DEFAULT_POLICY_RULES);
  });

  it.each([
    ["an empty match (matches everything)", rule({ match: {} })],
    ["every condition", rule({ match: { agents: ["ci-*"], environments: ["prod*"], tier: "other", resources: ["pg/*"], kinds: ["sql", "shell"], minRisk: "medium", maxRisk: "high", findings: ["sql.*"], targets: ["public.*"] } })],
    ["1 approval", rule({ effect: { type: "require_approval", approvals: 1 } })],
    ["10 approvals by admins", rule({ effect: { type: "require_approval", approvals: 10, role: "admin" } })],
    ["approvals with a passkey each", rule({ effect: { type: "require_approval", approvals: 2, passkey: true } })],
    ["allow", rule({ effect: { type: "allow" } })],
    ["deny with a reason", rule({ effect: { type: "deny", reason: "No." } })],
    ["a description", rule({ description: "Why this rule exists" })],
  ])("accepts %s", (_label, input) => {
    expect(PolicyRule.safeParse(input).success).toBe(true);
  });

  it.each([
    ["0 approvals", rule({ effect: { type: "require_approval", approvals: 0 } }), ["effect", "approvals"]],
    ["11 approvals", rule({ effect: { type: "require_approval", approvals: 11 } }), ["effect", "approvals"]],
    ["fractional approvals", rule({ effect: { type: "require_approval", approvals: 1.5 } }), ["effect", "approvals"]],
    ["approvals as a string", rule({ effect: { type: "require_approval", approvals: "2" } }), ["effect", "approvals"]],
    ["an unknown role", rule({ effect: { type: "require_approval", approvals: 1, role: "owner" } }), ["effect", "role"]],
    ["passkey as a word", rule({ effect: { type: "require_approval", approvals: 1, passkey: "yes" } }), ["effect", "passkey"]],
    ["a passkey on allow", rule({ effect: { type: "allow", passkey: true } }), ["effect"]],
    ["an empty deny reason", rule({ effect: { type: "deny", reason: "" } }), ["effect", "reason"]],
    ["a blank deny reason", rule({ effect: { type: "deny", reason: "   " } }), ["effect", "reason"]],
    ["a deny without reason", rule({ effect: { type: "deny" } }), ["effect", "reason"]],
    ["an unknown effect", rule({ effect: { type: "maybe" } }), ["effect", "type"]],
    ["an unknown key in the effect", rule({ effect: { type: "allow", approvals: 1 } }), ["effect"]],
    ["an unknown key in the rule", rule({ priority: 1 }), []],
    ["an unknown key in the match", rule({ match: { environment: "production" } }), ["match"]],
    ["an unknown tier", rule({ match: { tier: "prod" } }), ["match", "tier"]],
    ["an unknown kind", rule({ match: { kinds: ["ftp"] } }), ["match", "kinds", 0]],
    ["an unknown risk level", rule({ match: { minRisk: "severe" } }), ["match", "minRisk"]],
    ["minRisk above maxRisk", rule({ match: { minRisk: "high", maxRisk: "medium" } }), ["match", "maxRisk"]],
    ["an empty list", rule({ match: { agents: [] } }), ["match", "agents"]],
    ["an empty glob", rule({ match: { environments: [""] } }), ["match", "environments", 0]],
    ["an empty id", rule({ id: "" }), ["id"]],
    ["a missing effect", { id: "r", match: {} }, ["effect"]],
  ])("refuses %s", (_label, input, path) => {
    const result = PolicyRule.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });
});

describe("PolicyRules", () => {
  it("refuses duplicate rule ids", () => {
    const result = PolicyRules.safeParse([rule(), rule({ effect: { type: "allow" } })]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('duplicate rule id "r1"');
    expect(result.error?.issues[0]?.path).toEqual([1, "id"]);
  });

  it("accepts an empty list (every request then needs 1 approval)", () => {
    expect(PolicyRules.parse([])).toEqual([]);
  });
});
