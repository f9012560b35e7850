// Countersign's stdio MCP bridge, for MCP clients that only start local servers: `npm run mcp`.
// It holds nothing but the Countersign URL and the agent's key, and relays every JSON-RPC message
// between the client on stdin/stdout and Countersign's MCP endpoint over Streamable HTTP, with the
// official SDK's transports on both sides. Standard output carries the protocol only; messages
// for people go to standard error. The SDK is imported once the settings are checked, so `--help`
// and a configuration error answer at once.
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";

type StreamableHTTPErrorClass = typeof import("@modelcontextprotocol/sdk/client/streamableHttp.js").StreamableHTTPError;

interface BridgeConfig {
  endpoint: URL;
  apiKey: string;
}

const USAGE = `Usage: COUNTERSIGN_URL=https://countersign.example.com COUNTERSIGN_API_KEY=csk_… npm run --silent mcp
  COUNTERSIGN_URL      the Countersign server's base URL (its MCP endpoint is <URL>/api/mcp)
  COUNTERSIGN_API_KEY  the agent's key, as printed by \`agent add\` or the Agents page`;

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The bridge's two settings, checked; a list of problems when they are missing or malformed. */
function bridgeConfig(env: Record<string, string | undefined>): BridgeConfig | { problems: string[] } {
  const problems: string[] = [];
  const rawUrl = env.COUNTERSIGN_URL?.trim();
  const apiKey = env.COUNTERSIGN_API_KEY?.trim();
  let endpoint: URL | undefined;
  if (!rawUrl) problems.push("COUNTERSIGN_URL is not set.");
  else {
    try {
      const base = new URL(rawUrl);
      if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error("not http");
      const path = base.pathname.replace(/\/+$/, "");
      // The key travels on every request: in clear text only to this machine.
      if (base.protocol === "http:" && !isLoopback(base.hostname)) {
        problems.push(`COUNTERSIGN_URL must use https:// for a server on another machine (got ${JSON.stringify(rawUrl)}): the agent's key would travel in clear text.`);
      } else endpoint = new URL(path.endsWith("/api/mcp") ? path : `${path}/api/mcp`, base);
    } catch {
      problems.push(`COUNTERSIGN_URL must be an http:// or https:// URL (got ${JSON.stringify(rawUrl)}).`);
    }
  }
  if (!apiKey) problems.push("COUNTERSIGN_API_KEY is not set.");
  else if (!/^csk_\S+$/.test(apiKey)) problems.push("COUNTERSIGN_API_KEY must be an agent key (csk_…).");
  return problems.length || !endpoint || !apiKey ? { problems } : { endpoint, apiKey };
}

/** What went wrong upstream, in words a person reading the MCP client's log can act on. */
function describeUpstreamError(error: unknown, endpoint: URL, StreamableHTTPError: StreamableHTTPErrorClass): string {
  if (error instanceof StreamableHTTPError) {
    const detail = /\{.*\}/s.exec(error.message)?.[0];
    let problem: { detail?: string; code?: string } = {};
    try {
      problem = detail ? JSON.parse(detail) : {};
    } catch {
      // not problem details
    }
    const said = problem.detail ? `: ${problem.detail}` : "";
    if (error.code === 401) return `Countersign refused the API key (401)${said} Check COUNTERSIGN_API_KEY.`;
    if (error.code === 403) return `Countersign refused the call (403)${said}`;
    if (error.code === 429) return `Countersign is rate limiting this key (429)${said}`;
    return `Countersign answered ${error.code}${said || `: ${error.message}`}`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message;
  return `Could not reach Countersign at ${endpoint.origin}: ${error instanceof Error ? error.message : String(error)}${why ? ` (${why})` : ""}`;
}

async function runBridge(cfg: BridgeConfig): Promise<void> {
  const [{ StdioServerTransport }, { StreamableHTTPClientTransport, StreamableHTTPError }, { isJSONRPCRequest, isJSONRPCResultResponse }] = await Promise.all([
    import("@modelcontextprotocol/sdk/server/stdio.js"),
    import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
    import("@modelcontextprotocol/sdk/types.js"),
  ]);
  const describe = (error: unknown) => describeUpstreamError(error, cfg.endpoint, StreamableHTTPError);
  const upstream = new StreamableHTTPClientTransport(cfg.endpoint, {
    requestInit: { headers: { authorization: `Bearer ${cfg.apiKey}`, "user-agent": "countersign-mcp-bridge" } },
  });
  const local = new StdioServerTransport();
  const initializeIds = new Set<RequestId>();
  let inFlight = 0;
  let stdinEnded = false;
  const exitWhenIdle = () => {
    if (stdinEnded && inFlight === 0) void upstream.close().finally(() => process.exit(0));
  };

  upstream.onmessage = (message: JSONRPCMessage) => {
    // The negotiated protocol version rides on every later HTTP request, as the SDK's client does.
    if (isJSONRPCResultResponse(message) && initializeIds.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") upstream.setProtocolVersion(version);
    }
    void local.send(message);
  };
  upstream.onerror = (error) => process.stderr.write(`countersign-mcp-bridge: ${describe(error)}\n`);
  local.onerror = (error) => process.stderr.write(`countersign-mcp-bridge: unreadable message on stdin: ${error.message}\n`);
  local.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === "initialize") initializeIds.add(message.id);
    inFlight++;
    upstream
      .send(message)
      .catch(async (error) => {
        // The transport has reported it through onerror already. A request must still get an
        // answer, or the client waits until its own timeout.
        if (isJSONRPCRequest(message)) await local.send({ jsonrpc: "2.0", id: message.id, error: { code: -32000, message: describe(error) } });
      })
      .finally(() => {
        inFlight--;
        exitWhenIdle();
      });
  };
  process.stdin.on("end", () => {
    stdinEnded = true;
    exitWhenIdle();
  });
  await upstream.start();
  await local.start();
  process.stderr.write(`countersign-mcp-bridge: relaying stdio to ${cfg.endpoint.href}\n`);
}

const cfg = bridgeConfig(process.env);
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if ("problems" in cfg) {
  process.stderr.write(`countersign-mcp-bridge: cannot start.\n${cfg.problems.map((p) => `  ${p}`).join("\n")}\n\n${USAGE}\n`);
  process.exit(2);
}
runBridge(cfg).catch((error) => {
  process.stderr.write(`countersign-mcp-bridge: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
