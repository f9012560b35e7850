// The MCP gateway: tools of upstream MCP servers registered as resources, re-exposed on
// Countersign's own MCP endpoint as `<resource>__<tool>`. Each call is a request (kind `mcp`, with
// the tool, its arguments and the upstream's annotations in the digest) that goes through policy
// and people like any other; the upstream sees the call only once it is allowed or approved, and
// then exactly once, after Countersign redeemed the grant.
import { createHash } from "node:crypto";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Database } from "../../db";
import type { Config } from "../../env";
import type { AuthenticatedAgent } from "../../agents";
import { CreateRequest, type RequestContext } from "../../requests/schema";
import { createRequest, getRequestForAgent, redeemGrant, reportOutcome, waitForDecision, type RequestView } from "../../requests";
import { listResourcesForAgent, resourceConnection, type ResourceView } from "../../resources";
import { McpConfig } from "../../resources/schema";
import { Operation, McpAnnotations } from "../../operations/schema";
import { AppError } from "../../errors";
import { fieldErrors } from "../../validate";
import { log } from "../../log";
import { WAITING, boundRegistration, clampWait } from "../../executor/run-once";
import { UpstreamError, callUpstreamTool, listUpstreamTools } from "./upstream";

type McpOperation = Extract<Operation, { kind: "mcp" }>;
type McpResource = ResourceView & { mcp: McpConfig };

export type McpExecutionResult = { status: "executed"; result: CallToolResult } | { status: "failed"; error: string; result?: CallToolResult };

export interface RunMcpOutcome {
  request: RequestView;
  result?: McpExecutionResult;
}

/** MCP clients allow tool names of at most 64 characters from `[A-Za-z0-9_-]`. */
const MAX_TOOL_NAME = 64;

/** `mcp/memory` + `delete_entities` → `mcp_memory__delete_entities` (shortened with a hash past 64 characters). */
export function gatewayToolName(resource: string, tool: string): string {
  const name = `${resource}__${tool}`.replace(/[^A-Za-z0-9_-]/g, "_");
  if (name.length <= MAX_TOOL_NAME) return name;
  const hash = createHash("sha256").update(`${resource}\u0000${tool}`).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_TOOL_NAME - 9)}_${hash}`;
}

export interface GatewayTool {
  /** As the agent sees it: `<resource>__<tool>`. */
  name: string;
  resource: McpResource;
  upstreamTool: Tool;
}

function annotationsOf(tool: Tool) {
  const parsed = McpAnnotations.safeParse(
    Object.fromEntries(Object.entries(tool.annotations ?? {}).filter(([k]) => ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"].includes(k))),
  );
  return parsed.success && Object.keys(parsed.data).length ? parsed.data : undefined;
}

/**
 * The upstream tools this agent may call: those of the MCP resources in its environments and
 * resource patterns. An upstream that cannot be reached is left out (and logged); the others
 * are listed.
 */
export async function listGatewayTools(database: Database, cfg: Config, caller: AuthenticatedAgent): Promise<GatewayTool[]> {
  const visible = (await listResourcesForAgent(database.prisma, caller.agent)).filter((r) => r.kind === "mcp");
  const lists = await Promise.all(
    visible.map(async (entry) => {
      try {
        const { resource, connectionUrl } = await resourceConnection(database.prisma, cfg, entry.name);
        if (!resource.mcp) return [];
        const tools = await listUpstreamTools({ ...resource, mcp: resource.mcp }, connectionUrl);
        return tools.map((tool) => ({ name: gatewayToolName(resource.name, tool.name), resource: resource as McpResource, upstreamTool: tool }));
      } catch (error) {
        log.warn("MCP upstream left out of the tool list", { resource: entry.name, error: error instanceof Error ? error.message : "error" });
        return [];
      }
    }),
  );
  return lists.flat();
}

/**
 * The tool as the agent's MCP client lists it: the upstream's input schema and annotations passed
 * through. Not its output schema: while people decide, the answer is Countersign's (pending, with
 * the review URL), which a client would reject against the upstream's output schema.
 */
export function describeGatewayTool(tool: GatewayTool): Tool {
  const { upstreamTool, resource } = tool;
  const { outputSchema: _outputSchema, ...passed } = upstreamTool;
  return {
    ...passed,
    name: tool.name,
    title: `${upstreamTool.title ?? upstreamTool.annotations?.title ?? upstreamTool.name} (${resource.name}, through Countersign)`,
    description:
      `${upstreamTool.description ?? ""}\n\nServed by ${resource.name} (${resource.environment}) through Countersign: safe calls run at once; others wait for people ` +
      "(the answer is pending with a review URL — then call check_request with the request id).",
  };
}

/** A call to a gateway tool: a request first; forwarded at once if allowed, else pending. */
export async function callGatewayTool(
  database: Database,
  cfg: Config,
  caller: AuthenticatedAgent,
  tool: GatewayTool,
  args: Record<string, unknown>,
  context?: RequestContext,
): Promise<RunMcpOutcome> {
  const { resource, upstreamTool } = tool;
  const annotations = annotationsOf(upstreamTool);
  const operation: McpOperation = {
    kind: "mcp",
    target: { environment: resource.environment, resource: resource.name },
    tool: upstreamTool.name,
    arguments: args,
    ...(annotations ? { annotations } : {}),
  };
  const parsed = CreateRequest.safeParse({ operation, summary: `${upstreamTool.name} on ${resource.name}`, context });
  if (!parsed.success) throw new AppError("validation_failed", "The tool call is not valid.", fieldErrors(parsed.error));
  const { view } = await createRequest(database.prisma, cfg, { caller, body: parsed.data, resourceId: resource.id, builtInExecutor: true });
  if (view.status !== "approved" || !view.grant) return { request: view };
  return forward(database, cfg, caller, view, parsed.data.operation as McpOperation, resource.id);
}

/** Forwards the call of an approved gateway request once (check_request and /execute). */
export async function runApprovedMcp(
  database: Database,
  cfg: Config,
  caller: AuthenticatedAgent,
  requestId: string,
  options: { waitSeconds?: number; signal?: AbortSignal } = {},
): Promise<RunMcpOutcome> {
  const prisma = database.prisma;
  let view = await getRequestForAgent(prisma, cfg, caller.agent.id, requestId);
  const row = await prisma.request.findUniqueOrThrow({ where: { id: view.id }, select: { builtInExecutor: true, operation: true, resourceId: true } });
  const operation = Operation.safeParse(row.operation);
  if (!row.builtInExecutor || !operation.success || operation.data.kind !== "mcp") {
    throw new AppError("not_executable", "Countersign forwards only the tool calls its own MCP gateway was asked to make.");
  }
  const waitSeconds = clampWait(options.waitSeconds);
  if (WAITING.has(view.status) && waitSeconds > 0) view = await waitForDecision(database, cfg, caller.agent.id, view.id, waitSeconds, options.signal);
  if (WAITING.has(view.status)) return { request: view };
  if (view.status === "executed" || view.status === "failed") throw new AppError("grant_already_redeemed", `The tool was already called (${view.status}); it is called only once.`);
  if (view.status !== "approved") throw new AppError("request_already_decided", `The request is ${view.status}${view.reason ? `: ${view.reason}` : ""}. Nothing was called.`);
  if (!view.grant) throw new AppError("grant_already_redeemed", "The grant was already redeemed: the tool is being called or was called; it is called only once.");
  return forward(database, cfg, caller, view, operation.data, row.resourceId);
}

/** Connects first (an upstream that cannot start leaves the grant unspent), then redeems, then calls once. */
async function forward(database: Database, cfg: Config, caller: AuthenticatedAgent, view: RequestView, operation: McpOperation, resourceId: string | null): Promise<RunMcpOutcome> {
  const prisma = database.prisma;
  const { resource, secret } = await boundRegistration(prisma, cfg, operation.target, resourceId, view.id);
  const mcp = McpConfig.parse(resource.mcp);
  const upstream = { ...resource, mcp };
  try {
    await listUpstreamTools(upstream, secret);
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    throw new AppError("unavailable", `${error.message} Nothing was called and the grant was not used: call check_request again until it lapses.`);
  }
  const grant = await prisma.grant.findUniqueOrThrow({ where: { requestId: view.id }, select: { token: true } });
  await redeemGrant(prisma, cfg, caller, { token: grant.token, operation }, undefined, { builtInExecutor: true });
  let result: McpExecutionResult;
  try {
    const answer = await callUpstreamTool(upstream, secret, operation.tool, operation.arguments);
    result = answer.isError ? { status: "failed", error: "The upstream tool reported an error.", result: answer } : { status: "executed", result: answer };
  } catch (error) {
    result = { status: "failed", error: error instanceof UpstreamError ? error.message : "The upstream MCP server failed during the call." };
  }
  const detail = result.status === "executed" ? `Called by Countersign's MCP gateway: ${operation.tool} on ${resource.name}` : `Called by Countersign's MCP gateway, failed: ${result.error}`;
  const request = await reportOutcome(prisma, cfg, caller, view.id, { status: result.status, detail });
  return { request, result };
}
