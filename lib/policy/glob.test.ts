import { describe, expect, it } from "vitest";
import { anyGlobMatches, globMatch } from "./glob";

describe("globMatch", () => {
  it.each([
    ["*", "", true],
    ["*", "anything at all", true],
    ["", "", true],
    ["", "x", false],
    ["prod", "prod", true],
    ["prod", "Prod", false],
    ["prod", "production", false],
    ["prod*", "production", true],
    ["prod*", "prod", true],
    ["*-db", "orders-db", true],
    ["*-db", "orders-db2", false],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXbY", false],
    ["*a*", "bbb", false],
    ["**", "x", true],
    ["backup.*", "backup.delete_snapshot", true],
    ["backup.*", "backupXdelete", false],
    ["public.*", "public.customers", true],
    ["public.*", "publicXcustomers", false],
    ["postgres/*", "postgres/main", true],
    ["a+b", "a+b", true],
    ["a+b", "aab", false],
    ["(x)|y", "(x)|y", true],
    ["(x)|y", "y", false],
    ["[ab]", "a", false],
    ["[ab]", "[ab]", true],
    ["?", "a", false],
    ["?", "?", true],
    ["^x$", "x", false],
    ["a\\d", "a\\d", true],
    ["a\\d", "a1", false],
    ["x{2}", "xx", false],
  ])("%j matches %j: %s", (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it("stays fast on patterns that make backtracking regexes slow", () => {
    const started = performance.now();
    expect(globMatch(`${"*a".repeat(30)}*b`, "a".repeat(20_000))).toBe(false);
    // A backtracking matcher takes hours here; the bound leaves room for a busy machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("matches any pattern against any text", () => {
    expect(anyGlobMatches(["ci-*", "deploy-bot"], ["agent_123", "deploy-bot"])).toBe(true);
    expect(anyGlobMatches(["ci-*"], ["agent_123", "deploy-bot"])).toBe(false);
    expect(anyGlobMatches([], ["x"])).toBe(false);
  });
});
