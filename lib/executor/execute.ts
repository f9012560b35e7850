// Runs an approved statement once on a resource, with a statement timeout, returning rows capped.
import type pg from "pg";
import { connect, scrubSecret } from "./connect";

export interface ExecuteOptions {
  statementTimeoutMs?: number;
  maxRows?: number;
}

export interface SqlResult {
  /** Command tags, one per statement: `DELETE 6`, `SELECT 3`. */
  commands: string[];
  /** The last statement's rows, at most maxRows. */
  rows: Record<string, unknown>[];
  fields: string[];
  rowCount: number | null;
  truncated: boolean;
}

export class SqlExecutionError extends Error {
  override name = "SqlExecutionError";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ROWS = 1_000;

export async function executeSql(connectionUrl: string, sql: string, options: ExecuteOptions = {}): Promise<SqlResult> {
  const timeout = Math.max(100, Math.floor(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS));
  const maxRows = Math.max(0, Math.floor(options.maxRows ?? DEFAULT_MAX_ROWS));
  const client = await connect(connectionUrl, "countersign-executor");
  try {
    await client.query(`SET statement_timeout = ${timeout}`);
    let raw: pg.QueryResult | pg.QueryResult[];
    try {
      // The simple protocol: a batch runs as the one implicit transaction that was approved.
      raw = (await client.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new SqlExecutionError(scrubSecret(error instanceof Error ? error.message : String(error), connectionUrl), code);
    }
    const results = Array.isArray(raw) ? raw : [raw];
    const last = results[results.length - 1];
    const rows = (last?.rows ?? []) as Record<string, unknown>[];
    return {
      commands: results.map((r) => [r.command, r.rowCount].filter((p) => p !== null && p !== undefined).join(" ")),
      rows: rows.slice(0, maxRows),
      fields: (last?.fields ?? []).map((f) => f.name),
      rowCount: last?.rowCount ?? null,
      truncated: rows.length > maxRows,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
