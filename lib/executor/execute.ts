// Runs an approved statement once on a resource, with a statement timeout, returning rows capped.
import { summarizeResults, type SqlRows } from "../../client/sql-executor";
import { connect, scrubSecret } from "./connect";

export interface ExecuteOptions {
  statementTimeoutMs?: number;
  maxRows?: number;
}

/** Command tags, one per statement (`DELETE 6`), and the last statement's rows, capped. */
export type SqlResult = SqlRows;

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
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const client = await connect(connectionUrl, "countersign-executor");
  try {
    await client.query(`SET statement_timeout = ${timeout}`);
    try {
      // The simple protocol: a batch runs as the one implicit transaction that was approved.
      return summarizeResults(await client.query(sql), maxRows);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new SqlExecutionError(scrubSecret(error instanceof Error ? error.message : String(error), connectionUrl), code);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
