// The gateway's side of an upstream reached over Streamable HTTP: a real MCP server (the official
// SDK's, on loopback) that records the auth header it is sent, a tool that fails, and one that
// outlives the time-out. Each failure is a clear error, and one upstream's failure leaves another
// working.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { callUpstreamTool, closeUpstreams, listUpstreamTools, parseAuthHeader, parseEnvLines, UpstreamError } from "./upstream";
import { gatewayToolName } from "./gateway";

const seenAuth: Array<string | undefined> = [];

function upstreamServer() {
  const server = new McpServer({ name: "tickets", version: "1.0.0" });
  server.registerTool("list_tickets", { description: "Lists tickets", annotations: { readOnlyHint: true } }, async () => ({ content: [{ type: "text", text: "T-1, T-2" }] }));
  server.registerTool("close_ticket", { description: "Closes a ticket", inputSchema: { id: z.string() } }, async ({ id }) => ({ content: [{ type: "text", text: `closed ${id}` }], isError: id === "T-404" }));
  server.registerTool("slow", { description: "Never answers in time" }, async () => {
    await new Promise((r) => setTimeout(r, 5_000));
    return { content: [{ type: "text", text: "late" }] };
  });
  return server;
}

let httpServer: http.Server;
let url: string;

beforeAll(async () => {
  httpServer = http.createServer(async (req, res) => {
    seenAuth.push(req.headers.authorization);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    // Stateless: a fresh server and transport per request, as Countersign's own endpoint does.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const server = upstreamServer();
    await server.connect(transport);
    res.on("close", () => void server.close());
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  await closeUpstreams();
  await new Promise<void>((r) => httpServer.close(() => r()));
});

const resource = (name: string, timeoutSeconds = 2) => ({
  id: `id-${name}`,
  name,
  updatedAt: "2026-12-04T00:00:00.000Z",
  mcp: { transport: "http" as const, url, timeoutSeconds },
});

describe("an upstream MCP server over Streamable HTTP", () => {
  it("lists its tools and calls them with the stored auth header", async () => {
    const tickets = resource("mcp/tickets");
    const tools = await listUpstreamTools(tickets, "Authorization: Bearer upstream-token");
    expect(tools.map((t) => t.name).sort()).toEqual(["close_ticket", "list_tickets", "slow"]);
    expect(tools.find((t) => t.name === "list_tickets")?.annotations).toMatchObject({ readOnlyHint: true });
    const answer = await callUpstreamTool(tickets, "Authorization: Bearer upstream-token", "close_ticket", { id: "T-1" });
    expect(answer).toMatchObject({ content: [{ type: "text", text: "closed T-1" }] });
    expect(seenAuth.at(-1)).toBe("Bearer upstream-token");
  });

  it("passes a tool's own failure back as its result, and a time-out as a clear error", async () => {
    const tickets = resource("mcp/tickets-2", 1);
    const failed = await callUpstreamTool(tickets, "", "close_ticket", { id: "T-404" });
    expect(failed.isError).toBe(true);
    await expect(callUpstreamTool(tickets, "", "slow", {})).rejects.toThrow(new UpstreamError("The upstream tool did not answer within 1 s."));
    // The same upstream answers the next call.
    expect((await callUpstreamTool(tickets, "", "list_tickets", {})).content).toEqual([{ type: "text", text: "T-1, T-2" }]);
  });

  it("a dead upstream is an error of its own: another keeps working", async () => {
    const dead = { ...resource("mcp/dead"), mcp: { transport: "http" as const, url: "http://127.0.0.1:9/mcp", timeoutSeconds: 2 } };
    await expect(listUpstreamTools(dead, "")).rejects.toThrow(UpstreamError);
    expect((await listUpstreamTools(resource("mcp/tickets-3"), "")).length).toBe(3);
  });
});

describe("upstream secrets and names", () => {
  it("reads KEY=value lines and auth headers", () => {
    expect(parseEnvLines("# the token\nGITHUB_TOKEN=ghp_x=y\n\nREGION=eu\n")).toEqual({ GITHUB_TOKEN: "ghp_x=y", REGION: "eu" });
    expect(() => parseEnvLines("not a line")).toThrow(UpstreamError);
    expect(parseAuthHeader("X-Api-Key: abc")).toEqual({ "X-Api-Key": "abc" });
    expect(parseAuthHeader("tok_123")).toEqual({ Authorization: "Bearer tok_123" });
    expect(parseAuthHeader("")).toEqual({});
  });

  it("names tools <resource>__<tool> within 64 characters of [A-Za-z0-9_-]", () => {
    expect(gatewayToolName("mcp/memory", "delete_entities")).toBe("mcp_memory__delete_entities");
    const long = gatewayToolName("mcp/a-very-long-resource-name-for-an-upstream", "and_a_very_long_tool_name_as_well");
    expect(long).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(long).not.toBe(gatewayToolName("mcp/a-very-long-resource-name-for-an-upstream", "and_a_very_long_tool_name_as_welL"));
  });
});
