import { describe, expect, it } from "vitest";
import { operationDownload, operationHeadline } from "./operation-text";

describe("operationDownload", () => {
  const longSql = `UPDATE t SET note = '${"é\u202e".repeat(100_000)}' WHERE id = 1;`;

  it.each([
    ["the SQL itself, exactly", "sql", { kind: "sql", target: { environment: "production", resource: "db" }, sql: longSql }, "text", longSql, "sql"],
    ["the shell command itself", "shell", { kind: "shell", command: "rm -rf /tmp/x\n" }, "text", "rm -rf /tmp/x\n", "sh"],
  ] as const)("text: %s", (_label, kind, operation, format, content, extension) => {
    expect(operationDownload(kind, operation, format)).toEqual({ content, contentType: "text/plain", extension });
  });

  it("gives the whole operation as stored for JSON, and for kinds without one text", () => {
    const http = { kind: "http", method: "DELETE", url: "https://api.example/x" };
    for (const [kind, op, format] of [["http", http, "text"], ["sql", { kind: "sql", sql: "SELECT 1" }, "json"]] as const) {
      const file = operationDownload(kind, op, format);
      expect(file.contentType).toBe("application/json");
      expect(JSON.parse(file.content)).toEqual(op);
    }
  });
});

describe("operationHeadline", () => {
  it.each([
    ["SQL: the first line that runs, comments and blank lines skipped", "sql", { sql: "-- tidy up\n\nDROP TABLE customers_old;\n-- left over" }, "DROP TABLE customers_old;", 2],
    ["a one-line statement", "sql", { sql: "DELETE FROM carts;" }, "DELETE FROM carts;", 0],
    ["shell", "shell", { command: "kubectl rollout restart deployment/web" }, "kubectl rollout restart deployment/web", 0],
    ["HTTP: the method and the URL", "http", { method: "delete", url: "https://api.example.com/v1/db/prod" }, "DELETE https://api.example.com/v1/db/prod", 0],
    ["MCP: the tool and its telling argument", "mcp", { tool: "delete_file", arguments: { recursive: true, path: "/srv/data" } }, "delete_file(path: /srv/data)", 0],
    ["custom", "custom", { action: "rotate-keys" }, "rotate-keys", 0],
  ] as const)("%s", (_label, kind, operation, text, moreLines) => {
    expect(operationHeadline(kind, operation)).toEqual({ text, moreLines });
  });

  it("cuts a very long first line", () => {
    const headline = operationHeadline("sql", { sql: `SELECT ${"x, ".repeat(200)}1;` });
    expect(headline.text).toHaveLength(161);
    expect(headline.text.endsWith("…")).toBe(true);
  });
});
