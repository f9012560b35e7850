// The built-in SQL executor: an agent names a resource and a statement; Countersign measures the
// planned effect read-only, asks policy (and people), and, once approved, redeems the grant itself,
// runs the statement once and records the outcome. The environment comes from the resource's
// registration, never from the agent; the connection URL never leaves this module's callers.
// When people take longer than the agent waits, runApprovedSql runs the statement once they approve.
import type { Database } from "../db";
import type { Config } from "../env";
import type { AuthenticatedAgent } from "../agents";
import type { RequestContext } from "../requests/schema";
import { CreateRequest } from "../requests/schema";
import { createRequest, getRequestForAgent, redeemGrant, reportOutcome, waitForDecision, type PlannedEffect, type RequestView } from "../requests";
import { SqlOperation } from "../operations/schema";
import { getResourceForAgent, resourceConnection } from "../resources";
import { recordAudit } from "../audit";
import { log } from "../log";
import { AppError, isAppError } from "../errors";
import { fieldErrors } from "../validate";
import { DRY_RUN_BUDGET_MS, dryRunSql, writesMeasurableRows } from "./dry-run";
import { readPlannedEffect, type Enforcement } from "../requests/planned-effect";
import { openExecution, SqlExecutionError, type SqlResult, DEFAULT_MAX_ROWS, DEFAULT_STATEMENT_TIMEOUT_MS } from "./execute";
import { ResourceConnectionError, scrubSecret } from "./connect";
import type { RowFormat } from "../../client/sql-executor";

export interface RunSqlInput {
  resource: string;
  sql: string;
  summary?: string;
  context?: RequestContext;
  waitSeconds?: number;
  /** The same key with the same statement answers with the request it made first (as the API's Idempotency-Key header). */
  idempotencyKey?: string;
  statementTimeoutMs?: number;
  maxRows?: number;
  /** How the result carries rows (default "objects"); the PostgreSQL proxy asks for "text". */
  rowFormat?: RowFormat;
}

export type ExecutionResult = ({ status: "executed" } & SqlResult) | { status: "failed"; error: string; code?: string };

const isEnforced = (e: Enforcement | undefined): e is Enforcement => e !== undefined && (e.limits.length > 0 || Object.keys(e.fingerprints).length > 0);

export interface RunSqlOutcome {
  request: RequestView;
  /** Present once the statement ran (or failed to). */
  result?: ExecutionResult;
}

const WAITING = new Set(["pending", "cooling_down"]);
// The dry run answers fast or not at all: reviewers should not wait on a slow measurement, and
// run_sql must answer well inside an MCP client's one-minute call timeout.
const DRY_RUN_QUERY_TIMEOUT_MS = 5_000;

export async function runSqlOnResource(database: Database, cfg: Config, caller: AuthenticatedAgent, input: RunSqlInput): Promise<RunSqlOutcome> {
  const prisma = database.prisma;
  // Outside the agent's patterns a resource answers like a missing one, before anything is decrypted.
  await getResourceForAgent(prisma, caller.agent, input.resource).catch(async (error) => {
    if (isAppError(error) && error.code === "not_found") {
      await recordAudit(prisma, { type: "request.refused", actor: { type: "agent", id: caller.agent.id }, data: { reason: "resource_not_found", resource: input.resource, keyId: caller.key.id } });
    }
    throw error;
  });
  const { resource, connectionUrl } = await resourceConnection(prisma, cfg, input.resource);
  const operation: SqlOperation = { kind: "sql", target: { environment: resource.environment, resource: resource.name }, sql: input.sql };

  // Measured only once policy holds it for people (createRequest calls back): an agent that may
  // not target the environment, a denied request and an allowed one get no measurement of the data.
  // The measurement travels beside the body, never in it: the body's `diff` is the agent's claim.
  const parsed = CreateRequest.safeParse({ operation, summary: input.summary ?? `Run SQL on ${resource.name}`, context: input.context });
  if (!parsed.success) throw new AppError("validation_failed", "The request is not valid.", fieldErrors(parsed.error));
  let { view } = await createRequest(prisma, cfg, {
    caller,
    body: parsed.data,
    idempotencyKey: input.idempotencyKey,
    measurePlannedEffect: () => measurePlannedEffect(connectionUrl, resource.name, input.sql),
    measureBeforeAllowing: writesMeasurableRows(input.sql),
    resourceId: resource.id,
    builtInExecutor: true,
  });
  const waitSeconds = clampWait(input.waitSeconds);
  const waited = WAITING.has(view.status) && waitSeconds > 0;
  if (waited) view = await waitForDecision(database, cfg, caller.agent.id, view.id, waitSeconds);
  if (view.status !== "approved" || !view.grant) return { request: view };
  // People took a while: the registration may have changed meanwhile.
  const url = waited ? await boundConnection(prisma, cfg, operation, resource.id, view.id) : connectionUrl;
  return redeemAndRun(database, cfg, caller, view, operation, url, input);
}

export interface RunApprovedSqlOptions {
  /** Seconds to wait for people while the request is still pending (0–60). */
  waitSeconds?: number;
  statementTimeoutMs?: number;
  maxRows?: number;
  rowFormat?: RowFormat;
  signal?: AbortSignal;
}

/**
 * Runs the statement of an approved request that the built-in executor made (through
 * runSqlOnResource), once: the owning agent asks, Countersign redeems the grant — atomically, so
 * of concurrent calls at most one runs it — executes the stored statement on the registered
 * resource and records the outcome. While the request is still pending the answer is the request
 * itself, without a result.
 */
export async function runApprovedSql(
  database: Database,
  cfg: Config,
  caller: AuthenticatedAgent,
  requestId: string,
  options: RunApprovedSqlOptions = {},
): Promise<RunSqlOutcome> {
  const prisma = database.prisma;
  // Another agent's request answers exactly like a missing one.
  let view = await getRequestForAgent(prisma, cfg, caller.agent.id, requestId);
  const row = await prisma.request.findUniqueOrThrow({ where: { id: view.id }, select: { builtInExecutor: true, operation: true, resourceId: true } });
  const operation = SqlOperation.safeParse(row.operation);
  if (!row.builtInExecutor || !operation.success) {
    throw new AppError(
      "not_executable",
      "Countersign runs only the statements its own SQL executor was asked to run (POST /api/v1/resources/{name}/sql or the MCP run_sql tool). " +
        "For this request, redeem its grant and run the operation with your own executor.",
    );
  }
  const waitSeconds = clampWait(options.waitSeconds);
  if (WAITING.has(view.status) && waitSeconds > 0) {
    view = await waitForDecision(database, cfg, caller.agent.id, view.id, waitSeconds, options.signal);
  }
  if (WAITING.has(view.status)) return { request: view };
  if (view.status === "executed" || view.status === "failed") {
    throw new AppError("grant_already_redeemed", `The statement already ran (${view.status}); it runs only once.`);
  }
  if (view.status !== "approved") {
    throw new AppError("request_already_decided", `The request is ${view.status}${view.reason ? `: ${view.reason}` : ""}. Nothing ran.`);
  }
  if (!view.grant) throw new AppError("grant_already_redeemed", "The grant was already redeemed: the statement is running or has run; it runs only once.");
  const connectionUrl = await boundConnection(prisma, cfg, operation.data, row.resourceId, view.id);
  return redeemAndRun(database, cfg, caller, view, operation.data, connectionUrl, { ...options, sql: operation.data.sql });
}

/**
 * The connection URL of the registration the request was measured and approved against. A
 * resource removed and registered again under the same name (another id), moved to another
 * environment, or whose connection was changed after the request was made is another database as
 * far as the approval goes: nothing runs.
 */
async function boundConnection(
  prisma: Database["prisma"],
  cfg: Config,
  operation: SqlOperation,
  resourceId: string | null,
  requestId: string,
): Promise<string> {
  const { environment, resource: name } = operation.target;
  const registered = await resourceConnection(prisma, cfg, name).catch((error) => {
    if (isAppError(error) && error.code === "not_found") return null;
    throw error;
  });
  if (!registered || registered.resource.environment !== environment) {
    throw new AppError(
      "resource_not_registered",
      registered
        ? `The resource ${name} is now registered in ${registered.resource.environment}, not ${environment} as approved. Nothing ran.`
        : `No resource named ${name} is registered any more. Nothing ran.`,
    );
  }
  if (resourceId === null || registered.resource.id !== resourceId || (await rekeyedSince(prisma, registered.resource.id, requestId))) {
    throw new AppError(
      "resource_not_registered",
      `The resource ${name} was registered again or its connection changed after this request was made. Nothing ran; ask again.`,
    );
  }
  return registered.connectionUrl;
}

/**
 * True when the resource's connection URL was replaced after the request was made. Ordered by the
 * audit log's sequence, not by clocks: the app's and the database's may differ.
 */
async function rekeyedSince(prisma: Database["prisma"], resourceId: string, requestId: string): Promise<boolean> {
  const created = await prisma.auditEvent.findFirst({ where: { subjectType: "request", subjectId: requestId, type: "request.created" }, select: { seq: true } });
  if (!created) return true; // no record of when it was made: fail closed
  const rekeyed = await prisma.auditEvent.count({
    where: { subjectType: "resource", subjectId: resourceId, type: "resource.connection_updated", seq: { gt: created.seq } },
  });
  return rekeyed > 0;
}

/** True when Countersign's built-in executor made the request, so runApprovedSql may run it. */
export async function madeByBuiltInExecutor(prisma: Database["prisma"], requestId: string): Promise<boolean> {
  const row = await prisma.request.findUnique({ where: { id: requestId }, select: { builtInExecutor: true } });
  return row?.builtInExecutor === true;
}

function clampWait(seconds: number | undefined): number {
  return Math.max(0, Math.min(60, seconds ?? 0));
}

/**
 * Connects first, then redeems, then runs: an unreachable database leaves the grant unspent and
 * the request approved, to be run again later. Redeemed immediately before running: the grant is
 * single-use and bound to this operation.
 */
async function redeemAndRun(
  database: Database,
  cfg: Config,
  caller: AuthenticatedAgent,
  view: RequestView,
  operation: SqlOperation,
  connectionUrl: string,
  options: { sql: string; statementTimeoutMs?: number; maxRows?: number; rowFormat?: RowFormat },
): Promise<RunSqlOutcome> {
  const prisma = database.prisma;
  let connection;
  try {
    connection = await openExecution(connectionUrl, {
      statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
      rowFormat: options.rowFormat,
    });
  } catch (error) {
    if (!(error instanceof ResourceConnectionError)) throw error;
    log.warn("executor could not connect", { request: view.id, resource: operation.target.resource, code: error.code });
    throw new AppError(
      "unavailable",
      `${error.message} Nothing ran and the grant was not used: run it again (POST /api/v1/requests/${view.id}/execute, or MCP check_request) until it lapses.`,
    );
  }
  let result: ExecutionResult;
  let evidence: Record<string, unknown> | undefined;
  try {
    // The token never leaves Countersign for these requests (the agent's view carries none).
    const grant = await prisma.grant.findUniqueOrThrow({ where: { requestId: view.id }, select: { token: true } });
    const redeem = async () => {
      await redeemGrant(prisma, cfg, caller, { token: grant.token, operation }, undefined, { builtInExecutor: true });
    };
    const stored = await prisma.request.findUniqueOrThrow({ where: { id: view.id }, select: { plannedEffect: true } });
    const enforcement = readPlannedEffect(stored.plannedEffect)?.enforcement;
    try {
      if (isEnforced(enforcement)) {
        const bound = await connection.runBound(options.sql, enforcement, redeem);
        if (bound.ran) result = { status: "executed", ...bound.result };
        else {
          result = { status: "failed", error: bound.refusal.message, code: bound.refusal.code };
          evidence = { code: bound.refusal.code, ...bound.refusal.evidence };
        }
      } else {
        await redeem();
        result = { status: "executed", ...(await connection.run(options.sql)) };
      }
    } catch (error) {
      if (error instanceof SqlExecutionError && error.beforeRedemption) {
        log.warn("executor could not check the approved effect", { request: view.id, resource: operation.target.resource, code: error.code });
        throw new AppError(
          "unavailable",
          `Could not check the table definitions before running (${error.code ?? "error"}). Nothing ran and the grant was not used: run it again (POST /api/v1/requests/${view.id}/execute, or MCP check_request) until it lapses.`,
        );
      }
      if (!(error instanceof SqlExecutionError)) throw error;
      const message = scrubSecret(error.message, connectionUrl);
      result = { status: "failed", error: message, code: error.code };
    }
  } finally {
    await connection.close();
  }
  const detail =
    result.status === "executed"
      ? `Run by Countersign's executor: ${result.commands.join("; ") || "done"}${result.truncated ? ` (rows capped at ${options.maxRows ?? DEFAULT_MAX_ROWS})` : ""}`
      : `Run by Countersign's executor, failed${result.code === "effect_changed" || result.code === "precondition_failed" ? ` (${result.code})` : ""}: ${result.error}`;
  const request = await reportOutcome(prisma, cfg, caller, view.id, { status: result.status, detail }, evidence);
  return { request, result };
}

/** The dry run as reviewers read it; a failed measurement says so instead of blocking the request. */
async function measurePlannedEffect(connectionUrl: string, resourceName: string, sql: string): Promise<PlannedEffect> {
  try {
    const { sentence, details, measured } = await dryRunSql(connectionUrl, sql, { statementTimeoutMs: DRY_RUN_QUERY_TIMEOUT_MS, budgetMs: DRY_RUN_BUDGET_MS });
    return { summary: sentence, details, measured };
  } catch (error) {
    // A code only (connect.ts): the driver's own message names the host, the user, the database.
    const why = error instanceof ResourceConnectionError ? error.message : "Could not measure the effect.";
    log.warn("dry run failed", { resource: resourceName, ...(error instanceof ResourceConnectionError ? { code: error.code } : {}) });
    const summary = `Not measured: ${why}`;
    return { summary, details: summary };
  }
}
