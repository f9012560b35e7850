// The MCP server Countersign serves at /api/mcp: one per HTTP request (stateless), so any instance
// behind a load balancer answers any call; the agent is the one the request's key authenticated.
import "server-only";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type ListToolsResult } from "@modelcontextprotocol/sdk/types.js";
import { describeGatewayTool, listGatewayTools, type GatewayTool } from "../gateway/mcp";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { config } from "../env";
import { database, db } from "../db";
import { VERSION } from "../version";
import { authenticateRequest } from "../http/with-agent";
import { readJsonBody } from "../http/body";
import { problemResponse } from "../http/problem";
import { AppError } from "../errors";
import { untilShutdown } from "../server/shutdown";
import { mcpChallenge } from "./resource-metadata";
import {
  CheckRequestArgs,
  MAX_CHECK_WAIT_SECONDS,
  MCP_PATH,
  RequestApprovalArgs,
  RunSqlArgs,
  checkRequestTool,
  gatewayToolCall,
  httpRequestTool,
  HttpRequestArgs,
  ListResourcesOutput,
  listResourcesTool,
  RequestAnswerOutput,
  requestApprovalTool,
  runSqlTool,
  type ToolContext,
} from "./tools";

const INSTRUCTIONS = `Countersign puts people between you and destructive operations. Policy decides per environment and risk: safe operations run at once, dangerous ones wait for human reviewers, some are refused.
- To run SQL on a registered database, call list_resources, then run_sql. To call a registered HTTP API (kind http), use http_request: Countersign adds the credential; you never need one.
- For anything else destructive that you will run yourself (cloud API calls, shell commands), call request_approval first with the exact operation.
- A call that needs people returns at once as pending with a review URL: tell the user, then call check_request with the request id (waitSeconds up to ${MAX_CHECK_WAIT_SECONDS}) until it is decided.
- run_sql, http_request and request_approval take an optional idempotencyKey: retrying with the same key and arguments returns the first call's request instead of making (or running) another.
- A denial is final and comes with the reviewer's reason. Never work around a pending or denied request with other tools, credentials or a reworded operation.`;

export function createMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer({ name: "countersign", title: "Countersign", version: VERSION }, { instructions: INSTRUCTIONS });
  server.registerTool(
    "list_resources",
    {
      title: "List resources",
      description:
        "List the resources registered with Countersign that you can use: databases (kind postgres, for run_sql) and HTTP APIs (kind http, for http_request), with environment (e.g. production) and description. Connection details and credentials are never shown.",
      outputSchema: ListResourcesOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => listResourcesTool(ctx),
  );
  server.registerTool(
    "run_sql",
    {
      title: "Run SQL with approval",
      description:
        "Run one SQL statement (or a batch) on a database registered with Countersign. Countersign parses it, measures its effect read-only for the reviewers, and applies policy for the database's environment. " +
        "Reads and other safe statements run at once and return their rows. Destructive ones wait for people: the call returns at once as pending with a review URL and a request id; " +
        "then call check_request with that id, which runs the statement once it is approved. Some operations are refused outright, with the reason.",
      inputSchema: RunSqlArgs,
      outputSchema: RequestAnswerOutput,
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    (args) => runSqlTool(ctx, args),
  );
  server.registerTool(
    "http_request",
    {
      title: "Call an HTTP API with approval",
      description:
        "Call an HTTP API registered with Countersign (list_resources shows kind http): give the method, the path under its base URL, query, non-credential headers and body. " +
        "Countersign holds the credential and adds it itself; it classifies the call as that provider's API and applies policy for the resource's environment. " +
        "Safe calls are sent at once and return the status, headers and body. Dangerous ones wait for people: the call returns at once as pending with a review URL and a request id; " +
        "then call check_request with that id, which sends the call once it is approved. Some calls are refused outright, with the reason.",
      inputSchema: HttpRequestArgs,
      outputSchema: RequestAnswerOutput,
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    (args) => httpRequestTool(ctx, args),
  );
  server.registerTool(
    "request_approval",
    {
      title: "Ask people before acting",
      description:
        "Ask for approval before you run an operation yourself: an HTTP call to a cloud or SaaS API, a shell command, SQL on a database Countersign does not run, or a custom action. " +
        "Submit the exact operation; Countersign classifies its risk and applies policy. It is allowed at once (you get a single-use grant bound to exactly that operation), " +
        "sent to reviewers (pending, with a review URL: call check_request with the id), or refused with a reason. Run only what was approved; a denial is final.",
      inputSchema: RequestApprovalArgs,
      outputSchema: RequestAnswerOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) => requestApprovalTool(ctx, args),
  );
  server.registerTool(
    "check_request",
    {
      title: "Check a request",
      description:
        `Check on a request made with run_sql, http_request or request_approval, waiting up to waitSeconds for people to decide (at most ${MAX_CHECK_WAIT_SECONDS} seconds: a larger value is clamped to ${MAX_CHECK_WAIT_SECONDS}, not refused). ` +
        "Still pending: call it again. Approved through run_sql or http_request: Countersign runs the statement (or sends the call) now, once, and returns its result. Approved through request_approval: the single-use grant. " +
        "Denied, expired, cancelled or revoked: the reason; nothing ran.",
      inputSchema: CheckRequestArgs,
      outputSchema: RequestAnswerOutput,
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) => checkRequestTool({ ...ctx, signal: untilShutdown(extra.signal) }, args),
  );
  installGateway(server, ctx);
  return server;
}

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

/**
 * Adds the MCP gateway's upstream tools beside Countersign's own: tools/list appends them (their
 * schemas and annotations as the upstream declares them), tools/call sends a `<resource>__<tool>`
 * name through the gateway. McpServer registers tools from zod schemas only, so its own two
 * handlers are wrapped rather than replaced.
 */
function installGateway(server: McpServer, ctx: ToolContext) {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  const ownList = handlers.get("tools/list");
  const ownCall = handlers.get("tools/call");
  if (!ownList || !ownCall) throw new Error("The MCP server has no tool handlers to extend.");
  let listed: Promise<GatewayTool[]> | null = null;
  const gatewayTools = () => (listed ??= listGatewayTools(ctx.database, ctx.cfg, ctx.caller).catch(() => []));
  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const own = (await ownList(request, extra)) as ListToolsResult;
    return { ...own, tools: [...own.tools, ...(await gatewayTools()).map(describeGatewayTool)] };
  });
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    if (request.params.name.includes("__")) {
      const tool = (await gatewayTools()).find((t) => t.name === request.params.name);
      if (tool) return gatewayToolCall(ctx, tool, request.params.arguments ?? {});
    }
    return (await ownCall(request, extra)) as CallToolResult;
  });
}

/**
 * POST /api/mcp: authenticates the agent's key exactly as the agent API does (401 problem details
 * for a missing or bad key, rate limits, lockout, audited refusals), reads the body within the
 * API's 1 MiB limit, and answers with a fresh server over the Streamable HTTP transport.
 */
export async function handleMcpPost(req: Request): Promise<Response> {
  try {
    const prisma = await db();
    const caller = await authenticateRequest(prisma, req);
    const body = await readJsonBody(req);
    const server = createMcpServer({ database: await database(), cfg: config(), caller });
    // Stateless (no session id) and plain JSON answers: nothing about the conversation lives here.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(req, { parsedBody: body });
    } finally {
      await server.close();
    }
  } catch (error) {
    const response = problemResponse(error, MCP_PATH);
    // RFC 9728: the challenge points MCP clients at the metadata, so they tell the user the key was refused.
    if (response.status === 401) response.headers.set("www-authenticate", mcpChallenge(config(), req.headers.has("authorization")));
    return response;
  }
}

/** GET and DELETE: a stateless server has no stream to open and no session to end. */
export function mcpMethodNotAllowed(): Response {
  return problemResponse(new AppError("method_not_allowed", "This MCP endpoint is stateless: send JSON-RPC messages with POST.", undefined, { allow: "POST" }), MCP_PATH);
}
