// The built-in SQL executor: an agent names a resource and a statement; Countersign measures the
// planned effect read-only, asks policy (and people), and, once approved, redeems the grant itself,
// runs the statement once and records the outcome. The environment comes from the resource's
// registration, never from the agent; the connection URL never leaves this module's callers.
import type { Database } from "../db";
import type { Config } from "../env";
import type { AuthenticatedAgent } from "../agents";
import type { RequestContext } from "../requests/schema";
import { CreateRequest } from "../requests/schema";
import { createRequest, redeemGrant, reportOutcome, waitForDecision, type PlannedEffect, type RequestView } from "../requests";
import { resourceConnection } from "../resources";
import { log } from "../log";
import { AppError } from "../errors";
import { fieldErrors } from "../validate";
import { dryRunSql } from "./dry-run";
import { executeSql, SqlExecutionError, type SqlResult, DEFAULT_MAX_ROWS, DEFAULT_STATEMENT_TIMEOUT_MS } from "./execute";
import { scrubSecret } from "./connect";
import { matchesGlob } from "../requests/shared";

export interface RunSqlInput {
  resource: string;
  sql: string;
  summary?: string;
  context?: RequestContext;
  waitSeconds?: number;
  statementTimeoutMs?: number;
  maxRows?: number;
}

export type ExecutionResult = ({ status: "executed" } & SqlResult) | { status: "failed"; error: string; code?: string };

export interface RunSqlOutcome {
  request: RequestView;
  /** Present once the statement ran (or failed to). */
  result?: ExecutionResult;
}

const WAITING = new Set(["pending", "cooling_down"]);
// The dry run answers fast or not at all: reviewers should not wait on a slow measurement.
const DRY_RUN_TIMEOUT_MS = 5_000;

export async function runSqlOnResource(database: Database, cfg: Config, caller: AuthenticatedAgent, input: RunSqlInput): Promise<RunSqlOutcome> {
  const prisma = database.prisma;
  const { resource, connectionUrl } = await resourceConnection(prisma, cfg, input.resource);
  const operation = { kind: "sql" as const, target: { environment: resource.environment, resource: resource.name }, sql: input.sql };

  // An agent that may not target the resource's environment gets no measurement of its data:
  // createRequest refuses and audits it.
  const mayTarget = caller.agent.environments.some((pattern) => matchesGlob(pattern, resource.environment));
  const plannedEffect = mayTarget ? await measurePlannedEffect(connectionUrl, resource.name, input.sql) : undefined;

  // The measurement travels beside the body, never in it: the body's `diff` is the agent's claim.
  const parsed = CreateRequest.safeParse({ operation, summary: input.summary ?? `Run SQL on ${resource.name}`, context: input.context });
  if (!parsed.success) throw new AppError("validation_failed", "The request is not valid.", fieldErrors(parsed.error));
  let { view } = await createRequest(prisma, cfg, { caller, body: parsed.data, plannedEffect });
  const waitSeconds = Math.max(0, Math.min(60, input.waitSeconds ?? 0));
  if (WAITING.has(view.status) && waitSeconds > 0) {
    view = await waitForDecision(database, cfg, caller.agent.id, view.id, waitSeconds);
  }
  if (view.status !== "approved" || !view.grant) return { request: view };

  // Redeemed immediately before running: the grant is single-use and bound to this operation.
  await redeemGrant(prisma, cfg, caller, { token: view.grant.token, operation });
  let result: ExecutionResult;
  try {
    result = {
      status: "executed",
      ...(await executeSql(connectionUrl, input.sql, {
        statementTimeoutMs: input.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
        maxRows: input.maxRows ?? DEFAULT_MAX_ROWS,
      })),
    };
  } catch (error) {
    const message = scrubSecret(error instanceof Error ? error.message : String(error), connectionUrl);
    result = { status: "failed", error: message, code: error instanceof SqlExecutionError ? error.code : undefined };
  }
  const detail =
    result.status === "executed"
      ? `Run by Countersign's executor: ${result.commands.join("; ") || "done"}${result.truncated ? ` (rows capped at ${result.rows.length})` : ""}`
      : `Run by Countersign's executor, failed: ${result.error}`;
  const request = await reportOutcome(prisma, cfg, caller, view.id, { status: result.status, detail });
  return { request, result };
}

/** The dry run as reviewers read it; a failed measurement says so instead of blocking the request. */
async function measurePlannedEffect(connectionUrl: string, resourceName: string, sql: string): Promise<PlannedEffect> {
  try {
    const { sentence, details } = await dryRunSql(connectionUrl, sql, { statementTimeoutMs: DRY_RUN_TIMEOUT_MS });
    return { summary: sentence, details };
  } catch (error) {
    const message = scrubSecret(error instanceof Error ? error.message : String(error), connectionUrl);
    log.warn("dry run failed", { resource: resourceName, error: message });
    const summary = `Not measured: ${message}`;
    return { summary, details: summary };
  }
}
