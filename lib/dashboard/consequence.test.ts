import { describe, expect, it } from "vitest";
import { approvalConsequence, operationVerb } from "./consequence";

describe("what Approve grants", () => {
  it("names the agent, what runs, where, once, and the grant's lifetime", () => {
    expect(
      approvalConsequence({ agentName: "deploy-bot", kind: "sql", operation: { sql: "DELETE FROM orders WHERE id < 10" }, resource: "postgres/orders", environment: "production", approvalsLeft: 1 }),
    ).toBe("deploy-bot may run this DELETE once on postgres/orders (production), from now, within 5 minutes of the grant.");
  });

  it("says when more approvals or a cool-down stand between this approval and the grant", () => {
    const base = { agentName: "bot", kind: "http", operation: { method: "delete", url: "https://api.example.com/x" }, resource: "stripe", environment: "production" };
    expect(approvalConsequence({ ...base, approvalsLeft: 2 })).toBe("bot may run this DELETE request once on stripe (production), once 1 more reviewer approves, within 5 minutes of the grant.");
    expect(approvalConsequence({ ...base, approvalsLeft: 3 })).toContain("once 2 more reviewers approve");
    expect(approvalConsequence({ ...base, approvalsLeft: 1, coolDownSeconds: 600 })).toContain("after a 10-minute cool-down");
  });

  it.each([
    ["sql", { sql: "-- cleanup\ndrop table t" }, "DROP"],
    ["sql", { sql: "DELETE FROM a; DELETE FROM b;" }, "batch of 2 statements"],
    ["mcp", { tool: "delete_branch", arguments: {} }, "delete_branch call"],
    ["shell", { command: "rm -rf /" }, "command"],
    ["other", {}, "operation"],
  ])("calls a %s operation what it is", (kind, operation, verb) => {
    expect(operationVerb(kind, operation)).toBe(verb);
  });
});
