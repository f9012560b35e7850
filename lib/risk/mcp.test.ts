import { beforeAll, describe, expect, it } from "vitest";
import { loadRiskEngine } from "./engine";
import { assessMcp } from "./mcp";
import { evaluatePolicy } from "../policy/evaluate";
import { DEFAULT_POLICY_RULES } from "../policy/defaults";

beforeAll(async () => {
  await loadRiskEngine();
});

const ids = (r: ReturnType<typeof assessMcp>) => r.findings.map((f) => `${f.id}:${f.level}`);

describe("MCP tool calls", () => {
  it.each([
    ["a read the server declares", { tool: "read_graph", arguments: {}, annotations: { readOnlyHint: true } }, "low", []],
    ["a non-destructive write", { tool: "create_entities", arguments: { entities: [] }, annotations: { readOnlyHint: false, destructiveHint: false } }, "medium", ["mcp.write:medium"]],
    ["a destructive tool", { tool: "purge_cache", arguments: {}, annotations: { destructiveHint: true } }, "high", ["mcp.destructive_tool:high", "mcp.destructive_name:high"]],
    ["a tool that declares nothing", { tool: "do_thing", arguments: {} }, "high", ["mcp.unclassified:high"]],
    ["a deletion that claims to be a read", { tool: "delete_entities", arguments: {}, annotations: { readOnlyHint: true } }, "high", ["mcp.destructive_name:high"]],
    ["camelCase deletions", { tool: "deleteRepository", arguments: {}, annotations: { readOnlyHint: true } }, "high", ["mcp.destructive_name:high"]],
    ["a snapshot deletion", { tool: "delete_snapshot", arguments: {}, annotations: { readOnlyHint: true } }, "critical", ["backup.delete_backup:critical"]],
  ])("%s", (_label, call, level, findings) => {
    const risk = assessMcp(call);
    expect(risk.level).toBe(level);
    expect(ids(risk)).toEqual(findings);
  });

  it("judges SQL, commands and URLs in the arguments by their own catalogs, whatever the server declares", () => {
    const sql = assessMcp({ tool: "query", arguments: { sql: "DROP TABLE customers" }, annotations: { readOnlyHint: true } });
    expect(sql.level).toBe("critical");
    expect(sql.findings[0].message).toMatch(/^In argument `sql`: /);
    const nested = assessMcp({ tool: "run", arguments: { steps: [{ command: "rm -rf /var/lib/postgresql" }] }, annotations: { readOnlyHint: true } });
    expect(nested.level).not.toBe("low");
    const metadata = assessMcp({ tool: "fetch", arguments: { url: "http://169.254.169.254/latest/meta-data/iam/" }, annotations: { readOnlyHint: true } });
    expect(ids(metadata)).toContain("http.cloud_metadata:high");
    expect(assessMcp({ tool: "query", arguments: { sql: "SELECT 1" }, annotations: { readOnlyHint: true } }).level).toBe("low");
  });

  it("per-tool policy rules match the tool name and argument values", () => {
    const rules = [
      { id: "no-prod-deletes", match: { kinds: ["mcp" as const], tools: ["delete_*"], arguments: { entityName: "prod-*" } }, effect: { type: "deny" as const, reason: "no" } },
      ...DEFAULT_POLICY_RULES,
    ];
    const input = (name: string, args: Record<string, unknown>) => ({
      agent: { id: "a", name: "bot" },
      environment: "staging",
      tier: "other" as const,
      resource: "mcp/memory",
      kind: "mcp" as const,
      risk: assessMcp({ tool: name, arguments: args, annotations: { destructiveHint: true } }),
      tool: { name, arguments: args },
    });
    expect(evaluatePolicy(rules, input("delete_entities", { entityName: "prod-db" })).ruleId).toBe("no-prod-deletes");
    expect(evaluatePolicy(rules, input("delete_entities", { entityName: "dev-db" })).ruleId).not.toBe("no-prod-deletes");
    expect(evaluatePolicy(rules, input("create_entities", { entityName: "prod-db" })).ruleId).not.toBe("no-prod-deletes");
  });
});
