// The HTTP credential broker: an agent names a registered HTTP resource and the call it wants
// made; Countersign classifies it as the registered provider's API, asks policy (and people),
// and once approved connects, redeems the grant itself, sends exactly that request once with the
// credential added, and records the outcome. The agent never holds the credential; the
// environment is the registration's; the grant never leaves Countersign.
import type { Database } from "../../db";
import type { Config } from "../../env";
import type { AuthenticatedAgent } from "../../agents";
import { CreateRequest, type RequestContext } from "../../requests/schema";
import { createRequest, getRequestForAgent, redeemGrant, reportOutcome, waitForDecision, type RequestView } from "../../requests";
import { HttpConfig } from "../../resources/schema";
import { AppError } from "../../errors";
import { fieldErrors } from "../../validate";
import { log } from "../../log";
import { Operation } from "../../operations/schema";
import { WAITING, boundRegistration, clampWait, resourceForAgent } from "../run-once";
import { buildHttpOperation, classifiedAs, type HttpOperation } from "./request";
import { PrivateNetworkError, UpstreamUnreachableError, connectUpstream, scrubCredential, scrubResponse, withCredential, type UpstreamResponse } from "./network";
import type { RunHttp } from "./schema";

export type HttpExecutionResult = { status: "executed"; response: UpstreamResponse } | { status: "failed"; error: string; code?: string };

export interface RunHttpOutcome {
  request: RequestView;
  /** Present once the call was sent (or failed to be). */
  result?: HttpExecutionResult;
}

export interface RunHttpInput extends Pick<RunHttp, "method" | "path" | "query" | "headers" | "body"> {
  resource: string;
  summary?: string;
  context?: RequestContext;
  waitSeconds?: number;
  /** The same key with the same call answers with the request it made first (as the API's Idempotency-Key header). */
  idempotencyKey?: string;
}

export async function runHttpOnResource(database: Database, cfg: Config, caller: AuthenticatedAgent, input: RunHttpInput): Promise<RunHttpOutcome> {
  const prisma = database.prisma;
  const resource = await resourceForAgent(prisma, caller, input.resource, "http");
  const http = HttpConfig.parse(resource.http);
  const operation = buildHttpOperation({ name: resource.name, environment: resource.environment, http }, input);
  const parsed = CreateRequest.safeParse({ operation, summary: input.summary ?? `${operation.method} ${new URL(operation.url).pathname} on ${resource.name}`, context: input.context });
  if (!parsed.success) throw new AppError("validation_failed", "The request is not valid.", fieldErrors(parsed.error));
  let { view } = await createRequest(prisma, cfg, {
    caller,
    body: parsed.data,
    idempotencyKey: input.idempotencyKey,
    classifyAs: classifiedAs(operation, http),
    resourceId: resource.id,
    builtInExecutor: true,
  });
  const waitSeconds = clampWait(input.waitSeconds);
  if (WAITING.has(view.status) && waitSeconds > 0) view = await waitForDecision(database, cfg, caller.agent.id, view.id, waitSeconds);
  if (view.status !== "approved" || !view.grant) return { request: view };
  return sendApproved(database, cfg, caller, view, operation, resource.id);
}

/**
 * Sends the call of an approved request the broker made, once; while it is still pending the
 * answer is the request itself. Of concurrent calls at most one sends (the redemption is atomic).
 */
export async function runApprovedHttp(
  database: Database,
  cfg: Config,
  caller: AuthenticatedAgent,
  requestId: string,
  options: { waitSeconds?: number; signal?: AbortSignal } = {},
): Promise<RunHttpOutcome> {
  const prisma = database.prisma;
  let view = await getRequestForAgent(prisma, cfg, caller.agent.id, requestId);
  const row = await prisma.request.findUniqueOrThrow({ where: { id: view.id }, select: { builtInExecutor: true, operation: true, resourceId: true } });
  const operation = Operation.safeParse(row.operation);
  if (!row.builtInExecutor || !operation.success || operation.data.kind !== "http") {
    throw new AppError("not_executable", "Countersign sends only the calls its own HTTP broker was asked to make (POST /api/v1/resources/{name}/http or the MCP http_request tool).");
  }
  const waitSeconds = clampWait(options.waitSeconds);
  if (WAITING.has(view.status) && waitSeconds > 0) view = await waitForDecision(database, cfg, caller.agent.id, view.id, waitSeconds, options.signal);
  if (WAITING.has(view.status)) return { request: view };
  if (view.status === "executed" || view.status === "failed") throw new AppError("grant_already_redeemed", `The call was already made (${view.status}); it is sent only once.`);
  if (view.status !== "approved") throw new AppError("request_already_decided", `The request is ${view.status}${view.reason ? `: ${view.reason}` : ""}. Nothing was sent.`);
  if (!view.grant) throw new AppError("grant_already_redeemed", "The grant was already redeemed: the call is being made or was made; it is sent only once.");
  return sendApproved(database, cfg, caller, view, operation.data, row.resourceId);
}

/**
 * Connects first (DNS checked, TLS done), then redeems, then sends: an unreachable upstream or a
 * refused address leaves the grant unspent and the request approved.
 */
async function sendApproved(database: Database, cfg: Config, caller: AuthenticatedAgent, view: RequestView, operation: HttpOperation, resourceId: string | null): Promise<RunHttpOutcome> {
  const prisma = database.prisma;
  const { resource, secret } = await boundRegistration(prisma, cfg, operation.target, resourceId, view.id);
  const http = HttpConfig.parse(resource.http);
  let connection;
  try {
    connection = await connectUpstream(operation.url, { allowPrivateNetwork: http.allowPrivateNetwork, timeoutMs: http.timeoutSeconds * 1000 });
  } catch (error) {
    if (error instanceof PrivateNetworkError) throw new AppError("private_network_refused", `${error.message} Nothing was sent and the grant was not used.`);
    if (!(error instanceof UpstreamUnreachableError)) throw error;
    log.warn("broker could not reach the upstream", { request: view.id, resource: resource.name, code: error.code });
    throw new AppError(
      "unavailable",
      `${error.message} (${error.code}) Nothing was sent and the grant was not used: run it again (POST /api/v1/requests/${view.id}/execute, or MCP check_request) until it lapses.`,
    );
  }
  let result: HttpExecutionResult;
  try {
    const grant = await prisma.grant.findUniqueOrThrow({ where: { requestId: view.id }, select: { token: true } });
    await redeemGrant(prisma, cfg, caller, { token: grant.token, operation }, undefined, { builtInExecutor: true });
    try {
      const response = await connection.send(withCredential(operation, http.auth, secret));
      result = { status: "executed", response: scrubResponse(response, secret) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = scrubCredential(error instanceof Error ? error.message : String(error), secret);
      result = { status: "failed", error: `The call was sent but no complete answer came back: ${message}`, ...(code ? { code } : {}) };
    }
  } finally {
    connection.close();
  }
  const detail =
    result.status === "executed"
      ? `Sent by Countersign's broker: HTTP ${result.response.status}${result.response.truncated ? " (body capped)" : ""}`
      : `Sent by Countersign's broker, failed: ${result.error}`;
  const request = await reportOutcome(prisma, cfg, caller, view.id, { status: result.status, detail });
  return { request, result };
}
