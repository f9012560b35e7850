// Connections to upstream MCP servers, one per registered resource and per process: a stdio
// command Countersign runs with the environment stored for it, or a Streamable HTTP URL with its
// auth header. A connection that fails or whose process dies is dropped and made again on the next
// call; each upstream is on its own, so one failing never affects another. Tool lists are cached
// briefly, since every MCP request to Countersign is answered by a fresh, stateless server.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { McpConfig } from "../../resources/schema";
import { VERSION } from "../../version";
import { log } from "../../log";

/** Something went wrong with the upstream itself: a tool error for the agent, never a 500. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
}

interface Upstream {
  key: string;
  client: Client;
  closed: boolean;
  tools?: { at: number; list: Tool[] };
}

const TOOL_LIST_TTL_MS = 30_000;
const upstreams = new Map<string, Promise<Upstream>>();

/** Environment lines (`KEY=value`) for a stdio server; blank lines and `#` comments ignored. */
export function parseEnvLines(secret: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of secret.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const at = trimmed.indexOf("=");
    if (at <= 0) throw new UpstreamError("The stored environment is not KEY=value lines.");
    env[trimmed.slice(0, at).trim()] = trimmed.slice(at + 1);
  }
  return env;
}

/** An HTTP upstream's auth header: `Name: value`, or a bare token sent as a bearer token. */
export function parseAuthHeader(secret: string): Record<string, string> {
  const text = secret.trim();
  if (!text) return {};
  const match = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.+)$/.exec(text);
  return match ? { [match[1]!]: match[2]! } : { Authorization: `Bearer ${text}` };
}

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new UpstreamError(`${what} did not answer within ${ms / 1000} s.`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function connect(key: string, config: McpConfig, secret: string): Promise<Upstream> {
  const client = new Client({ name: "countersign-gateway", version: VERSION });
  const upstream: Upstream = { key, client, closed: false };
  const transport =
    config.transport === "stdio"
      ? new StdioClientTransport({ command: config.command, args: config.args, env: { ...getDefaultEnvironment(), ...parseEnvLines(secret) }, stderr: "ignore" })
      : new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: parseAuthHeader(secret) } });
  client.onclose = () => {
    upstream.closed = true;
    if (upstreams.get(key) && upstream.closed) upstreams.delete(key);
  };
  client.onerror = (error) => log.warn("MCP upstream error", { upstream: key.split("@")[0], error: error.message });
  try {
    await timeout(client.connect(transport), config.timeoutSeconds * 1000, "The upstream MCP server");
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error instanceof UpstreamError ? error : new UpstreamError(`Could not start or reach the upstream MCP server (${codeOf(error)}).`);
  }
  return upstream;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && /^[A-Z0-9_]{2,32}$/.test(code)) return code;
  return error instanceof Error ? error.name : "error";
}

/** The live connection for a resource, made on first use; a registration changed since is a new key. */
async function upstreamFor(resource: { id: string; name: string; updatedAt: string; mcp: McpConfig }, secret: string): Promise<Upstream> {
  const key = `${resource.name}@${resource.id}@${resource.updatedAt}`;
  const existing = upstreams.get(key);
  if (existing) {
    const ready = await existing.catch(() => null);
    if (ready && !ready.closed) return ready;
    upstreams.delete(key);
  }
  // Drop connections of older registrations of the same resource.
  for (const [other, pending] of upstreams) {
    if (other.startsWith(`${resource.name}@`) && other !== key) {
      upstreams.delete(other);
      void pending.then((u) => u.client.close()).catch(() => undefined);
    }
  }
  const made = connect(key, resource.mcp, secret);
  upstreams.set(key, made);
  made.catch(() => upstreams.delete(key));
  return made;
}

/** The upstream's tools (cached for a short while). */
export async function listUpstreamTools(resource: { id: string; name: string; updatedAt: string; mcp: McpConfig }, secret: string): Promise<Tool[]> {
  const upstream = await upstreamFor(resource, secret);
  if (upstream.tools && Date.now() - upstream.tools.at < TOOL_LIST_TTL_MS) return upstream.tools.list;
  try {
    const list: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const answer = await timeout(upstream.client.listTools(cursor ? { cursor } : undefined), resource.mcp.timeoutSeconds * 1000, "The upstream MCP server");
      list.push(...answer.tools);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    upstream.tools = { at: Date.now(), list };
    return list;
  } catch (error) {
    throw error instanceof UpstreamError ? error : new UpstreamError(`The upstream MCP server could not list its tools (${codeOf(error)}).`);
  }
}

/** Calls one tool once. A tool's own failure comes back as its result (isError); transport failures throw. */
export async function callUpstreamTool(
  resource: { id: string; name: string; updatedAt: string; mcp: McpConfig },
  secret: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const upstream = await upstreamFor(resource, secret);
  try {
    return (await upstream.client.callTool({ name: tool, arguments: args }, undefined, { timeout: resource.mcp.timeoutSeconds * 1000 })) as CallToolResult;
  } catch (error) {
    if (upstream.closed) upstreams.delete(upstream.key);
    const message = error instanceof Error ? error.message : String(error);
    throw new UpstreamError(/timed? ?out/i.test(message) ? `The upstream tool did not answer within ${resource.mcp.timeoutSeconds} s.` : `The upstream MCP server failed during the call (${codeOf(error)}).`);
  }
}

/** Closes every upstream connection (stdio servers end with their standard input). */
export async function closeUpstreams(): Promise<void> {
  const all = [...upstreams.values()];
  upstreams.clear();
  await Promise.all(all.map((p) => p.then((u) => u.client.close()).catch(() => undefined)));
}
