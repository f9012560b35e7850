import { beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../operations/schema";
import { assessCustom } from "./custom";
import { assessRisk, isRiskEngineLoaded, loadRiskEngine } from "./index";

beforeAll(async () => {
  await loadRiskEngine();
});

const target = { environment: "production", resource: "postgres/main" };

describe("assessRisk", () => {
  it("is ready after loadRiskEngine, which can be awaited again", async () => {
    await loadRiskEngine();
    expect(isRiskEngineLoaded()).toBe(true);
  });

  it.each([
    [{ kind: "sql", target, sql: "DROP TABLE customers;" }, "critical", ["sql.drop_table"]],
    [{ kind: "sql", target, sql: "SELECT 1" }, "low", []],
    [{ kind: "http", target, method: "DELETE", url: "https://api.supabase.com/v1/projects/abc" }, "critical", ["http.delete_project"]],
    [{ kind: "http", target, method: "GET", url: "https://api.supabase.com/v1/projects" }, "low", []],
    [{ kind: "shell", target, command: "dropdb prod" }, "critical", ["shell.dropdb"]],
    [{ kind: "shell", target, command: "ls", cwd: "/srv" }, "low", []],
    [{ kind: "custom", target, action: "rotate_keys", params: { all: true } }, "high", ["custom.unclassified"]],
  ])("classifies %j", (input, level, ids) => {
    const assessment = assessRisk(Operation.parse(input));
    expect(assessment.level).toBe(level);
    expect(assessment.findings.map((f) => f.id)).toEqual(ids);
  });

  it("names the custom action", () => {
    expect(assessCustom("rotate_keys").findings[0]?.message).toBe("Runs the custom action `rotate_keys`, which Countersign cannot classify");
  });

  it("lets a custom catalog entry say otherwise", () => {
    const catalog = [{ action: "read_metrics", id: "custom.read", level: "low" as const, message: "Reads metrics" }];
    expect(assessCustom("read_metrics", catalog)).toEqual({ level: "low", findings: [], targets: [] });
    expect(assessCustom("other", catalog).level).toBe("high");
  });
});

describe("hidden characters in what runs make any operation critical", () => {
  it.each([
    [{ kind: "sql", target, sql: "SELECT 1 /* \u202e */ ; DROP TABLE t" }, ["operation.hidden_characters", "sql.drop_table"]],
    [{ kind: "sql", target, sql: "SELECT * FROM orders WHERE status = 'paid\u200b'" }, ["operation.hidden_characters"]],
    [{ kind: "sql", target, sql: "\ufeffSELECT 1" }, ["operation.hidden_characters", "sql.parse_error"]],
    [{ kind: "shell", target, command: "ls \u2066-la\u2069" }, ["operation.hidden_characters"]],
    [{ kind: "shell", target, command: "ls", cwd: "/srv/\u200dapp" }, ["operation.hidden_characters"]],
    [{ kind: "http", target, method: "GET", url: "https://api.example.com/x?q=\u200f" }, ["operation.hidden_characters"]],
    [{ kind: "http", target, method: "POST", url: "https://api.example.com/graphql", body: { query: "{ me { id } }", variables: { "n\u2060ame": 1 } } }, ["operation.hidden_characters"]],
    [{ kind: "http", target, method: "POST", url: "https://hooks.example.com/x", body: { text: "hi \u{e0041}\u{e0042}" } }, ["http.unclassified_write", "operation.hidden_characters"]],
    [{ kind: "custom", target, action: "rotate\u061c_keys" }, ["custom.unclassified", "operation.hidden_characters"]],
    [{ kind: "custom", target, action: "rotate_keys", params: { note: ["a\u202ab"] } }, ["custom.unclassified", "operation.hidden_characters"]],
  ])("%j", (input, ids) => {
    const assessment = assessRisk(Operation.parse(input));
    expect(assessment.level).toBe("critical");
    expect(assessment.findings.map((f) => f.id).sort()).toEqual([...ids].sort());
  });

  it.each([
    [{ kind: "sql", target, sql: "SELECT 'naïve café', '日本語', 'مرحبا'" }],
    [{ kind: "http", target, method: "GET", url: "https://api.example.com/search?q=%E2%80%AE" }],
    [{ kind: "http", target, method: "GET", url: "https://api.example.com/x", body: undefined }],
    [{ kind: "shell", target, command: "echo '👩‍💻 🏴󠁧󠁢󠁳󠁣󠁴󠁿 ❤️'" }],
  ])("leaves visible text and emoji sequences alone: %j", (input) => {
    expect(assessRisk(Operation.parse(input)).findings.map((f) => f.id)).not.toContain("operation.hidden_characters");
  });

  it("names the characters without printing them", () => {
    const [finding] = assessRisk(Operation.parse({ kind: "sql", target, sql: "SELECT 1 -- \u202e\u202e" })).findings;
    expect(finding?.message).toBe("The SQL holds 2 hidden characters (U+202E RIGHT-TO-LEFT OVERRIDE): what a reviewer reads can differ from what runs");
  });
});
