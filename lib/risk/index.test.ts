import { beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../operations/schema";
import { assessCustom } from "./custom";
import { assessRisk, isRiskEngineLoaded, loadRiskEngine, requiresTypedConfirmation } from "./index";

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
  it.each([
    ["a Hangul filler standing in for a name", { kind: "sql", target, sql: "DELETE FROM orders WHERE note = '\u3164'" }, "U+3164 HANGUL FILLER"],
    ["a soft hyphen", { kind: "shell", target, command: "rm -rf ./bu\u00adild" }, "U+00AD SOFT HYPHEN"],
    ["a terminal escape sequence", { kind: "shell", target, command: "echo \u001b[2K done" }, "U+001B ESCAPE"],
    ["a carriage return that hides the start of a line", { kind: "shell", target, command: "rm -rf /data\recho safe" }, "U+000D CARRIAGE RETURN"],
    ["a variation selector smuggling data", { kind: "custom", target, action: "rotate_keys", params: { note: "a\u{e0101}" } }, "VARIATION SELECTOR"],
  ])("flags %s", (_label, input, named) => {
    const assessment = assessRisk(Operation.parse(input));
    expect(assessment.level).toBe("critical");
    const finding = assessment.findings.find((f) => f.id === "operation.hidden_characters");
    expect(finding?.message).toContain(named);
  });

  it("leaves CRLF line endings alone", () => {
    expect(assessRisk(Operation.parse({ kind: "sql", target, sql: "SELECT 1\r\nFROM t" })).findings.map((f) => f.id)).toEqual([]);
  });
});

describe("look-alike letters from another script inside Latin words make any operation critical", () => {
  it.each([
    ["a Cyrillic о in a table name", { kind: "sql", target, sql: "DELETE FROM \u043erders WHERE id = 1" }, "\\u043Erders", ["operation.lookalike_characters", "sql.write"]],
    ["a Cyrillic ѕ in a dropped table", { kind: "sql", target, sql: "DROP TABLE cu\u0455tomers" }, "cu\\u0455tomers", ["operation.lookalike_characters", "sql.drop_table"]],
    ["a Greek Ο in a keyword-like word", { kind: "sql", target, sql: "SELECT 1 AS T\u039fTAL" }, "T\\u039FTAL", ["operation.lookalike_characters"]],
    ["a Cyrillic а in a path", { kind: "shell", target, command: "ls /srv/d\u0430ta" }, "d\\u0430ta", ["operation.lookalike_characters"]],
    ["a Cyrillic е in a host", { kind: "http", target, method: "GET", url: "https://api.\u0435xample.com/x" }, "\\u0435xample", ["operation.lookalike_characters", "http.lookalike_host"]],
    ["an Armenian օ in a JSON key", { kind: "http", target, method: "POST", url: "https://api.example.com/x", body: { "r\u0585le": "admin" } }, "r\\u0585le", ["operation.lookalike_characters", "http.unclassified_write"]],
    ["a Cyrillic С in an action", { kind: "custom", target, action: "\u0421lean_cache" }, "\\u0421lean_cache", ["operation.lookalike_characters", "custom.unclassified"]],
  ])("flags %s, naming the word with the letter escaped", (_label, input, word, ids) => {
    const assessment = assessRisk(Operation.parse(input));
    expect(assessment.level).toBe("critical");
    expect(assessment.findings.map((f) => f.id).sort()).toEqual([...ids].sort());
    const finding = assessment.findings.find((f) => f.id === "operation.lookalike_characters")!;
    expect(finding.level).toBe("critical");
    expect(finding.message).toContain(`\`${word}\``);
    expect(finding.message).toMatch(/U\+[0-9A-F]{4} (CYRILLIC|GREEK|ARMENIAN) (SMALL|CAPITAL) LETTER [A-Z]+ \(looks like [A-Za-z]\)/);
    // The message itself holds no look-alike letter: it shows the escape instead.
    expect(finding.message).not.toMatch(/[\u0370-\u058f]/);
  });

  it.each([
    ["Russian text in a value", { kind: "sql", target, sql: "UPDATE customers SET name = 'Сергей Петров' WHERE id = 1" }],
    ["a Russian word made only of look-alikes, apart from Latin words", { kind: "sql", target, sql: "SELECT 'ООО Ромашка', 'орех'" }],
    ["Greek units and words", { kind: "sql", target, sql: "SELECT '10μs', 'αβγ', 'λόγος'" }],
    ["accented Latin", { kind: "shell", target, command: "echo 'naïve café Ångström'" }],
    ["Latin and Cyrillic words side by side", { kind: "http", target, method: "POST", url: "https://hooks.example.com/x", body: { text: "deploy готов" } }],
  ])("leaves %s alone", (_label, input) => {
    expect(assessRisk(Operation.parse(input)).findings.map((f) => f.id)).not.toContain("operation.lookalike_characters");
  });
});

describe("requiresTypedConfirmation", () => {
  it("asks for the typed resource name for critical requests and for hidden or look-alike characters at any level", () => {
    expect(requiresTypedConfirmation("critical", [])).toBe(true);
    expect(requiresTypedConfirmation("high", [{ id: "sql.drop_index", level: "high", message: "" }])).toBe(false);
    expect(requiresTypedConfirmation("low", [{ id: "operation.hidden_characters", level: "critical", message: "" }])).toBe(true);
    expect(requiresTypedConfirmation("medium", [{ id: "operation.lookalike_characters", level: "critical", message: "" }])).toBe(true);
    expect(requiresTypedConfirmation("low", null)).toBe(false);
  });
});
