import { describe, expect, it } from "vitest";
import { operationHeadline } from "./operation-headline";

const target = { environment: "production", resource: "postgres/main" };

describe("operationHeadline", () => {
  it.each([
    ["sql, one line", "sql", { kind: "sql", target, sql: "DELETE FROM orders WHERE created_at < now() - interval '1 year';" }, "DELETE FROM orders WHERE created_at < now() - interval '1 year';"],
    ["sql, leading comment and more lines", "sql", { kind: "sql", target, sql: "-- tidy up\n\nDROP TABLE customers;\nDROP TABLE orders;" }, "DROP TABLE customers; …"],
    ["sql, block comments before the statement", "sql", { kind: "sql", target, sql: "/* a harmless\n read */ -- really\nDROP TABLE customers;" }, "DROP TABLE customers;"],
    ["http: method, host and path", "http", { kind: "http", target, method: "delete", url: "https://api.example.com/v1/volumes/vol-1?force=true" }, "DELETE api.example.com/v1/volumes/vol-1?force=true"],
    ["shell", "shell", { kind: "shell", target, command: "rm -rf ./build\necho done" }, "rm -rf ./build …"],
    ["mcp: the tool and its key argument", "mcp", { kind: "mcp", target, tool: "delete_file", arguments: { recursive: true, path: "/srv/data" } }, "delete_file path=/srv/data"],
    ["custom: the action", "custom", { kind: "custom", target, action: "rotate-keys" }, "rotate-keys"],
  ])("%s", (_name, kind, operation, expected) => {
    expect(operationHeadline(kind, operation)).toBe(expected);
  });

  it("cuts a very long first line", () => {
    const headline = operationHeadline("sql", { sql: `SELECT ${"x, ".repeat(200)}y FROM t;` });
    expect(Array.from(headline).length).toBeLessThanOrEqual(200);
    expect(headline.endsWith("…")).toBe(true);
  });
});
