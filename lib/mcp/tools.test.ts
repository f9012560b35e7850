// The MCP tools as a real MCP client lists them (the SDK's client over an in-memory transport):
// schemas any client language can use, and an outputSchema for every tool.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { createMcpServer } from "./server";
import { clampCheckWait, MAX_CHECK_WAIT_SECONDS, type ToolContext } from "./tools";

/**
 * Regex features JavaScript has and other languages' engines (Go's RE2, Rust's regex, Python's re,
 * JSON Schema's ECMA-262 subset as validators implement it) lack: a client that compiles the
 * schema's pattern there fails on them.
 */
const UNPORTABLE: Array<[RegExp, string]> = [
  [/\(\?<[=!]/, "lookbehind"],
  [/\(\?[=!]/, "lookahead"],
  [/\(\?P?<[A-Za-z]/, "a named group"],
  [/\\[pP]\{/, "a Unicode property escape"],
  [/\\k</, "a named backreference"],
  [/\\[1-9]/, "a backreference"],
  [/\(\?>/, "an atomic group"],
  [/\(\?[a-zA-Z]+[:)]/, "inline flags"],
  [/\\u\{/, "a code point escape"],
];

/** Every regex in a JSON Schema: `pattern` values and `patternProperties` keys, wherever they are. */
function patternsIn(schema: unknown, at = "#"): Array<{ at: string; pattern: string }> {
  if (Array.isArray(schema)) return schema.flatMap((item, i) => patternsIn(item, `${at}/${i}`));
  if (!schema || typeof schema !== "object") return [];
  const found: Array<{ at: string; pattern: string }> = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === "pattern" && typeof value === "string") found.push({ at: `${at}/pattern`, pattern: value });
    if (key === "patternProperties" && value && typeof value === "object") for (const p of Object.keys(value)) found.push({ at: `${at}/patternProperties`, pattern: p });
    found.push(...patternsIn(value, `${at}/${key}`));
  }
  return found;
}

describe("the MCP tools' schemas", () => {
  let client: Client;
  let tools: Tool[];

  beforeAll(async () => {
    // Listing tools touches no database: the gateway's upstream tools are simply absent here.
    const ctx = { database: undefined, cfg: undefined, caller: undefined } as unknown as ToolContext;
    const server = createMcpServer(ctx);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: "schema-test", version: "1" });
    await client.connect(clientSide);
    tools = (await client.listTools()).tools;
  });
  afterAll(async () => {
    await client?.close();
  });

  it("use no regex feature that other languages' engines lack, in any tool's input or output schema", () => {
    expect(tools.length).toBeGreaterThanOrEqual(5);
    const problems: string[] = [];
    for (const tool of tools) {
      for (const [which, schema] of [["inputSchema", tool.inputSchema], ["outputSchema", tool.outputSchema]] as const) {
        for (const { at, pattern } of patternsIn(schema)) {
          for (const [feature, name] of UNPORTABLE) if (feature.test(pattern)) problems.push(`${tool.name} ${which} ${at}: ${name} in ${JSON.stringify(pattern)}`);
          // And every pattern compiles without JavaScript's `u` flag, as ECMA-262 validators use it.
          try {
            new RegExp(pattern);
          } catch (error) {
            problems.push(`${tool.name} ${which} ${at}: ${(error as Error).message}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("declare an outputSchema for every tool, an object schema whose properties include what the tool returns", () => {
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of ["list_resources", "run_sql", "http_request", "request_approval", "check_request"]) {
      const output = byName[name]?.outputSchema;
      expect(output, name).toBeDefined();
      expect(output!.type, name).toBe("object");
      expect(Object.keys(output!.properties ?? {}), name).toContain("error");
    }
    expect(Object.keys(byName.list_resources.outputSchema!.properties!)).toContain("resources");
    for (const name of ["run_sql", "http_request", "request_approval", "check_request"]) {
      expect(Object.keys(byName[name].outputSchema!.properties!), name).toEqual(expect.arrayContaining(["request", "result", "next"]));
    }
  });

  it("offer an idempotencyKey on every tool that makes a request", () => {
    for (const name of ["run_sql", "http_request", "request_approval"]) {
      const properties = tools.find((t) => t.name === name)!.inputSchema.properties as Record<string, { type?: string; maxLength?: number }>;
      expect(properties.idempotencyKey, name).toMatchObject({ type: "string", maxLength: 200 });
    }
  });

  it("clamp check_request's waitSeconds to the maximum instead of refusing it, and say so", () => {
    const check = tools.find((t) => t.name === "check_request")!;
    const waitSeconds = (check.inputSchema.properties as Record<string, { maximum?: number; description?: string }>).waitSeconds;
    expect(waitSeconds.maximum).toBeUndefined();
    expect(check.description).toMatch(/clamped to 45/);
    expect(clampCheckWait(600)).toBe(MAX_CHECK_WAIT_SECONDS);
    expect(clampCheckWait(46)).toBe(45);
    expect(clampCheckWait(12.7)).toBe(12);
    expect(clampCheckWait(undefined)).toBe(20);
  });
});
