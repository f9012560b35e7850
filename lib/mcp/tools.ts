// The Countersign MCP tools: each one calls the same lib/ functions as the agent API, with the
// agent authenticated by its key. A tool that needs people answers at once with the status and
// the review URL (MCP clients give up on calls after about a minute); check_request follows up.
import "server-only";
import { z } from "zod";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Database } from "../db";
import type { Config } from "../env";
import type { AuthenticatedAgent, Scope } from "../agents";
import { AppError } from "../errors";
import { toProblem } from "../http/problem";
import { requireScope } from "../http/with-agent";
import { findNulCharacter, fieldErrors } from "../validate";
import { Operation } from "../operations/schema";
import { CreateRequest, RequestContext, createRequest, waitForDecision, type RequestView } from "../requests";
import { listResourcesForAgent } from "../resources";
import { callGatewayTool, type GatewayTool, type RunMcpOutcome } from "../gateway/mcp";
import { madeByBuiltInExecutor, runApproved, runHttpOnResource, runSqlOnResource, type ExecutionResult, type HttpExecutionResult } from "../executor";

export const MCP_PATH = "/api/mcp";

/** check_request waits at most this long, so a client's one-minute call timeout is never reached. */
export const MAX_CHECK_WAIT_SECONDS = 45;
const DEFAULT_CHECK_WAIT_SECONDS = 20;
/** Rows handed back to the model: enough to answer, not a whole table in its context. */
const MCP_MAX_ROWS = 200;

export interface ToolContext {
  database: Database;
  cfg: Config;
  caller: AuthenticatedAgent;
  signal?: AbortSignal;
}

const Summary = z.string().max(500).describe("One line for the reviewers: what this does and why.");
const Reasoning = z
  .string()
  .max(64 * 1024)
  .describe("Why this is needed: the task you are doing, what you checked, why it is safe. Reviewers read it as your own words.");

const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .describe(
    "Optional, 1–200 printable ASCII characters, e.g. a UUID you make once per operation. Calling again with the same key and the same arguments answers with the request the first call made (and runs nothing a second time); the same key with other arguments is refused. Use it when you retry after a lost answer.",
  );

export const RunSqlArgs = {
  resource: z.string().min(1).max(200).describe("The resource's name exactly as list_resources shows it."),
  sql: z
    .string()
    .min(1)
    .max(256 * 1024)
    .describe("The exact SQL to run. It is what reviewers approve and what runs, byte for byte; a changed statement is a new request."),
  summary: Summary.optional(),
  reasoning: Reasoning.optional(),
  idempotencyKey: IdempotencyKey.optional(),
};

export const HttpRequestArgs = {
  resource: z.string().min(1).max(200).describe("The HTTP resource's name exactly as list_resources shows it (kind http)."),
  method: z.string().regex(/^[A-Za-z]{1,16}$/).describe("GET, POST, PUT, PATCH, DELETE…"),
  path: z.string().min(1).max(4096).describe("The path under the resource's base URL, starting with /."),
  query: z.record(z.string().max(200), z.union([z.string().max(8192), z.array(z.string().max(8192)).max(100)])).optional().describe("Query parameters."),
  headers: z.record(z.string().max(100), z.string().max(8192)).optional().describe("Non-credential headers; Countersign adds the credential itself."),
  body: z.unknown().optional().describe("A JSON value (sent as application/json) or text."),
  summary: Summary.optional(),
  reasoning: Reasoning.optional(),
  idempotencyKey: IdempotencyKey.optional(),
};

export const RequestApprovalArgs = {
  operation: Operation.describe(
    "The exact operation you will run once approved, with target {environment, resource}. kind sql: {sql}; " +
      "http: {method, url, body?} (never put credentials in it); shell: {command, cwd?}; custom: {action, params?}.",
  ),
  summary: Summary.optional(),
  reasoning: Reasoning.optional(),
  context: RequestContext.omit({ reasoning: true })
    .optional()
    .describe("More for the reviewers: the user's prompt, a transcript excerpt, links, a session id."),
  ttlSeconds: z.number().int().min(10).max(86_400).optional().describe("How long people have to decide (default 900 seconds)."),
  idempotencyKey: IdempotencyKey.optional(),
};

export const CheckRequestArgs = {
  id: z.string().min(1).max(100).describe("The request id that run_sql or request_approval returned."),
  // No maximum in the schema: a model asking for longer gets the longest wait, not a refusal.
  waitSeconds: z
    .number()
    .min(0)
    .optional()
    .describe(
      `Seconds to wait for people to decide before answering (default ${DEFAULT_CHECK_WAIT_SECONDS}). At most ${MAX_CHECK_WAIT_SECONDS} seconds are waited: a larger value waits ${MAX_CHECK_WAIT_SECONDS}.`,
    ),
};

/** What a tool error carries in structuredContent (toolError): the problem details' fields. */
const ToolErrorOutput = z.object({
  code: z.string(),
  status: z.number(),
  title: z.string(),
  detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** The request as the agent API shows it (lib/requests/view.ts); open to fields added later. */
const RequestOutput = z.looseObject({
  id: z.string(),
  status: z.string().describe("pending, cooling_down, approved, denied, expired, cancelled, revoked, executed or failed"),
  environment: z.string(),
  resource: z.string(),
  kind: z.string(),
  summary: z.string(),
  operationDigest: z.string(),
  risk: z.looseObject({ level: z.string(), findings: z.array(z.looseObject({ id: z.string(), level: z.string(), message: z.string() })) }),
  requiredApprovals: z.number(),
  approvals: z.number(),
  reviewUrl: z.string(),
  expiresAt: z.string(),
  grant: z.looseObject({ token: z.string().optional(), expiresAt: z.string() }).optional(),
  coolDownUntil: z.string().optional(),
  reason: z.string().optional(),
  outcome: z.looseObject({ status: z.string(), detail: z.string().nullable(), reportedAt: z.string().nullable() }).optional(),
});

/**
 * The structuredContent of the tools that make or follow a request: the request, what ran (rows
 * or the HTTP response) and the next step; or, for a tool error, `error` alone. Every field is
 * optional so that one schema describes both.
 */
export const RequestAnswerOutput = {
  request: RequestOutput.optional(),
  result: z
    .looseObject({
      status: z.enum(["executed", "failed"]),
      commands: z.array(z.string()).optional(),
      fields: z.array(z.string()).optional(),
      rows: z.array(z.unknown()).optional(),
      truncated: z.boolean().optional(),
      error: z.string().optional(),
      code: z.string().optional(),
    })
    .optional()
    .describe("What ran: rows for SQL, or the error when it failed"),
  response: z
    .looseObject({ status: z.number(), headers: z.record(z.string(), z.unknown()).optional(), body: z.unknown().optional(), truncated: z.boolean().optional() })
    .optional()
    .describe("The upstream's answer, for an HTTP call that was sent"),
  upstream: z.unknown().optional().describe("An MCP gateway tool's own structured result, once it ran"),
  next: z.string().optional().describe("What to do next"),
  error: ToolErrorOutput.optional(),
};

export const ListResourcesOutput = {
  resources: z
    .array(z.looseObject({ name: z.string(), environment: z.string(), kind: z.string(), description: z.string().nullable().optional() }))
    .optional(),
  error: ToolErrorOutput.optional(),
};

type Args<S extends z.ZodRawShape> = z.output<z.ZodObject<S>>;

/** A tool's body, run with the scope checked, NUL characters refused and every error made readable. */
async function guarded(ctx: ToolContext, tool: string, scope: Scope | Scope[], args: unknown, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    await requireScope(ctx.database.prisma, ctx.caller, scope, { method: "POST", path: MCP_PATH, tool });
    const nul = findNulCharacter(args);
    if (nul) throw new AppError("validation_failed", "The arguments are not valid.", [{ field: nul, message: "contains a NUL character (\\u0000), which cannot be stored" }]);
    return await body();
  } catch (error) {
    return toolError(error);
  }
}

/** An error the model can read and act on; unknown errors say nothing of the server's insides. */
export function toolError(error: unknown): CallToolResult {
  const problem = toProblem(error, MCP_PATH);
  const lines = [`Error: ${problem.title} (${problem.code}). ${problem.detail}`];
  for (const e of problem.errors ?? []) lines.push(`- ${e.field}: ${e.message}`);
  return {
    isError: true,
    content: [{ type: "text", text: lines.join("\n") }],
    structuredContent: { error: { code: problem.code, status: problem.status, title: problem.title, detail: problem.detail, ...(problem.errors ? { errors: problem.errors } : {}) } },
  };
}

export async function runSqlTool(ctx: ToolContext, args: Args<typeof RunSqlArgs>): Promise<CallToolResult> {
  return guarded(ctx, "run_sql", "requests:create", args, async () => {
    const outcome = await runSqlOnResource(ctx.database, ctx.cfg, ctx.caller, {
      resource: args.resource,
      sql: args.sql,
      summary: args.summary,
      context: args.reasoning ? { reasoning: args.reasoning } : undefined,
      idempotencyKey: args.idempotencyKey,
      maxRows: MCP_MAX_ROWS,
    });
    return answer(outcome.request, { builtIn: true, result: outcome.result });
  });
}

export async function httpRequestTool(ctx: ToolContext, args: Args<typeof HttpRequestArgs>): Promise<CallToolResult> {
  return guarded(ctx, "http_request", "requests:create", args, async () => {
    const outcome = await runHttpOnResource(ctx.database, ctx.cfg, ctx.caller, {
      resource: args.resource,
      method: args.method,
      path: args.path,
      query: args.query,
      headers: args.headers,
      body: args.body,
      summary: args.summary,
      context: args.reasoning ? { reasoning: args.reasoning } : undefined,
      idempotencyKey: args.idempotencyKey,
    });
    return answer(outcome.request, { builtIn: true, result: outcome.result });
  });
}

export async function requestApprovalTool(ctx: ToolContext, args: Args<typeof RequestApprovalArgs>): Promise<CallToolResult> {
  return guarded(ctx, "request_approval", "requests:create", args, async () => {
    const parsed = CreateRequest.safeParse({
      operation: args.operation,
      summary: args.summary,
      context: args.reasoning || args.context ? { ...args.context, ...(args.reasoning ? { reasoning: args.reasoning } : {}) } : undefined,
      ...(args.ttlSeconds ? { ttlSeconds: args.ttlSeconds } : {}),
    });
    if (!parsed.success) throw new AppError("validation_failed", "The request is not valid.", fieldErrors(parsed.error));
    const { view } = await createRequest(ctx.database.prisma, ctx.cfg, { caller: ctx.caller, body: parsed.data, idempotencyKey: args.idempotencyKey });
    return answer(view, { builtIn: false });
  });
}

export async function checkRequestTool(ctx: ToolContext, args: Args<typeof CheckRequestArgs>): Promise<CallToolResult> {
  return guarded(ctx, "check_request", "requests:read", args, async () => {
    const { database, cfg, caller } = ctx;
    const wait = clampCheckWait(args.waitSeconds);
    const view = await waitForDecision(database, cfg, caller.agent.id, args.id, wait, ctx.signal);
    const builtIn = await madeByBuiltInExecutor(database.prisma, view.id);
    if (builtIn && view.status === "approved" && view.grant) {
      // Running it is acting on the request: the same scope as asking Countersign to run SQL.
      await requireScope(database.prisma, caller, "requests:create", { method: "POST", path: MCP_PATH, tool: "check_request" });
      const outcome = await runApproved(database, cfg, caller, view.id, { maxRows: MCP_MAX_ROWS });
      if (outcome.kind === "mcp") return withRequestAnswer(gatewayAnswer(outcome), outcome.request);
      return answer(outcome.request, { builtIn, result: outcome.result });
    }
    return answer(view, { builtIn });
  });
}

/** Seconds check_request waits: whole seconds, never more than the maximum (a larger ask is clamped, not refused). */
export function clampCheckWait(waitSeconds: number | undefined): number {
  return Math.min(Math.floor(waitSeconds ?? DEFAULT_CHECK_WAIT_SECONDS), MAX_CHECK_WAIT_SECONDS);
}

/**
 * check_request declares RequestAnswerOutput; a gateway tool's own answer (whatever structured
 * content its upstream gave, if any) travels inside it, the text unchanged.
 */
function withRequestAnswer(result: CallToolResult, request: RequestView): CallToolResult {
  if (result.structuredContent?.request === request) return result; // Countersign's own answer already
  return { ...result, structuredContent: { request, ...(result.structuredContent ? { upstream: result.structuredContent } : {}), next: result.isError ? "A corrected call is a new request." : "done" } };
}

/**
 * A gateway tool call, as the agent's client sees it: the upstream's own answer once it ran (so a
 * gateway tool reads like the upstream's), or Countersign's answer while people decide or after
 * they refused.
 */
export async function gatewayToolCall(ctx: ToolContext, tool: GatewayTool, args: Record<string, unknown>): Promise<CallToolResult> {
  return guarded(ctx, tool.name, "requests:create", args, async () => gatewayAnswer(await callGatewayTool(ctx.database, ctx.cfg, ctx.caller, tool, args)));
}

function gatewayAnswer(outcome: RunMcpOutcome): CallToolResult {
  const { result, request } = outcome;
  if (result?.status === "executed") return result.result;
  if (result?.status === "failed") {
    const lines = [`Failed: the call was approved and sent once; ${result.error}`, `Request: ${request.id}`, "Next: a corrected call is a new request."];
    return { isError: true, content: [...(result.result?.content ?? []), { type: "text", text: lines.join("\n") }] };
  }
  return answer(request, { builtIn: true });
}

export async function listResourcesTool(ctx: ToolContext): Promise<CallToolResult> {
  return guarded(ctx, "list_resources", ["requests:create", "requests:read"], {}, async () => {
    const resources = await listResourcesForAgent(ctx.database.prisma, ctx.caller.agent);
    const text = resources.length
      ? [`${resources.length} registered resource(s); run_sql takes the name:`, JSON.stringify(resources, null, 2)].join("\n")
      : "No resources are registered in the environments this agent may use: an admin registers databases before run_sql can reach them.";
    return { content: [{ type: "text", text }], structuredContent: { resources } };
  });
}

const WAITING = new Set(["pending", "cooling_down"]);

/**
 * The tool's answer: one status line the model can act on, the facts reviewers will see (risk,
 * review URL, expiry), the next step, then the data. Text from the database (rows, reasons)
 * appears only inside JSON, never as instructions of ours.
 */
function answer(view: RequestView, options: { builtIn: boolean; result?: ExecutionResult | HttpExecutionResult }): CallToolResult {
  const lines: string[] = [];
  let next: string;
  if (options.result && "response" in options.result) {
    const { response } = options.result;
    lines.push(`Sent once: the upstream answered HTTP ${response.status}.${response.truncated ? " The body was cut at the size cap." : ""}`);
    lines.push(`Request: ${view.id}`, `Environment: ${view.environment} · resource: ${view.resource}`, `Risk: ${view.risk.level}`, `Review page: ${view.reviewUrl}`);
    lines.push("Next: Done. The call was made once; making it again needs a new request.", "Response (JSON):", JSON.stringify(response));
    return { content: [{ type: "text", text: lines.join("\n") }], structuredContent: { request: view, response, next: "done" } };
  }
  const result = options.result as ExecutionResult | { status: "failed"; error: string; code?: string } | undefined;
  if (result?.status === "executed") {
    lines.push(`Executed: ${result.commands.join("; ") || "done"}.${result.truncated ? ` Showing the first ${result.rows.length} rows.` : ""}`);
    next = "Done. The statement ran once; running it again needs a new request.";
  } else if (result?.status === "failed") {
    lines.push(
      result.code === "effect_changed" || result.code === "precondition_failed"
        ? `Failed (${result.code}): the approved operation did not run as approved, and nothing it did was kept.`
        : `Failed: the operation was approved and run, and it did not succeed.`,
    );
    next = "Read the error below. A corrected statement is a new request.";
  } else if (WAITING.has(view.status)) {
    lines.push(
      view.status === "pending"
        ? `Pending: waiting for people to approve (${view.approvals} of ${view.requiredApprovals} approvals). Nothing has run.`
        : `Approved, cooling down until ${view.coolDownUntil}: a reviewer can still cancel it. Nothing has run.`,
    );
    next =
      `Tell the user it awaits review at ${view.reviewUrl}, then call check_request with id "${view.id}" ` +
      `(waitSeconds up to ${MAX_CHECK_WAIT_SECONDS}) until it is decided.` +
      (options.builtIn ? " Once approved, check_request runs it (the statement, the HTTP call or the tool call) and returns its result." : "") +
      " Do not try to do the same thing another way meanwhile.";
  } else if (view.status === "approved") {
    lines.push(`Approved: a single-use grant, bound to exactly this operation, expires at ${view.grant?.expiresAt ?? view.expiresAt}.`);
    next = options.builtIn
      ? `Call check_request with id "${view.id}" to run the statement.`
      : "Run exactly the operation you submitted, nothing else; the executor redeems the grant (POST /api/v1/grants/redeem) before running it.";
  } else if (view.status === "executed" || view.status === "failed") {
    lines.push(`Already ${view.status === "executed" ? "executed" : "run, and failed"}: ${view.outcome?.detail ?? "no detail"}.`);
    next = "It ran once; its rows are not kept. Running it again needs a new request.";
  } else {
    const reason = view.reason ? ` Reason: ${JSON.stringify(view.reason)}` : "";
    lines.push(`${capitalize(view.status)}. Nothing ran.${reason}`);
    next =
      view.status === "expired"
        ? "Nobody decided in time. Ask the user whether to submit it again."
        : "This is final. Do not retry the same operation or work around the decision; tell the user and ask how to proceed.";
  }
  lines.push(`Request: ${view.id}`, `Environment: ${view.environment} · resource: ${view.resource}`, `Risk: ${view.risk.level}`);
  for (const finding of view.risk.findings) lines.push(`- ${finding.id} (${finding.level}): ${finding.message}`);
  lines.push(`Review page: ${view.reviewUrl}`, `Next: ${next}`);
  if (view.grant?.token) lines.push(`Grant: ${view.grant.token}`);
  if (result?.status === "executed" && result.fields.length) lines.push(`Rows (JSON; columns ${result.fields.join(", ")}):`, JSON.stringify(result.rows));
  if (result?.status === "failed") lines.push(`Error (JSON): ${JSON.stringify({ error: result.error, code: result.code })}`);
  return {
    // A statement that failed (in the database, or refused as run) is a tool error: MCP clients
    // show it as one and models do not take it for a result.
    ...(result?.status === "failed" ? { isError: true } : {}),
    content: [{ type: "text", text: lines.join("\n") }],
    structuredContent: { request: view, ...(result ? { result } : {}), next },
  };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
