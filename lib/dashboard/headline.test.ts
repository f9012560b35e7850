import { describe, expect, it } from "vitest";
import { codeSpans, measuredSentence, operationHeadline } from "./headline";

const target = { environment: "production", resource: "postgres/main" };

describe("the operation in one line", () => {
  it.each([
    ["one SQL statement", { kind: "sql", target, sql: "DELETE FROM sessions WHERE id = 7;" }, "DELETE FROM sessions WHERE id = 7;"],
    ["SQL past blank lines, saying more follows", { kind: "sql", target, sql: "\n\n  DELETE FROM a;\nDELETE FROM b;\n" }, "DELETE FROM a; …"],
    ["a shell command", { kind: "shell", target, command: "rm -rf build\necho done" }, "rm -rf build …"],
    ["an HTTP call as METHOD host/path, without the query", { kind: "http", target, method: "delete", url: "https://api.example.com/v1/users/7?force=true" }, "DELETE api.example.com/v1/users/7"],
    ["an MCP tool by its key argument", { kind: "mcp", target, tool: "delete_file", arguments: { recursive: true, path: "/srv/app/.env" } }, "delete_file(/srv/app/.env)"],
    ["an MCP tool with no scalar argument", { kind: "mcp", target, tool: "wipe", arguments: { filter: { all: true } } }, "wipe(…)"],
    ["an MCP tool with no arguments", { kind: "mcp", target, tool: "list_tables", arguments: {} }, "list_tables()"],
    ["a custom action", { kind: "custom", target, action: "volume.delete", params: { volumeId: "vol-123" } }, "volume.delete(vol-123)"],
    ["something unknown", { kind: "teleport" }, "operation"],
    ["nothing", null, "operation"],
  ])("shows %s", (_, operation, headline) => {
    expect(operationHeadline(operation)).toBe(headline);
  });

  it("bounds a very long line", () => {
    const headline = operationHeadline({ kind: "sql", target, sql: `SELECT ${"x, ".repeat(500)}1` });
    expect(headline.length).toBe(300);
    expect(headline.endsWith("…")).toBe(true);
  });
});

describe("the measured sentence", () => {
  it("is the measurement's summary, and nothing when there is none", () => {
    expect(measuredSentence({ summary: "Deletes 1 of 200 rows in `public.items` (8.0 kB).", details: "" })).toBe("Deletes 1 of 200 rows in `public.items` (8.0 kB).");
    expect(measuredSentence(null)).toBeNull();
    expect(measuredSentence({ details: "no summary" })).toBeNull();
    expect(measuredSentence({ summary: "  " })).toBeNull();
  });

  it("splits inline code out of a sentence, leaving unpaired backticks as text", () => {
    expect(codeSpans("Deletes 1 row in `public.items`; `x")).toEqual([
      { text: "Deletes 1 row in ", code: false },
      { text: "public.items", code: true },
      { text: "; `x", code: false },
    ]);
    expect(codeSpans("")).toEqual([]);
  });
});
