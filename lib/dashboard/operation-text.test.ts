import { describe, expect, it } from "vitest";
import { operationDownload } from "./operation-text";

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
