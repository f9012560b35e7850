// Runs an approved statement once on a resource, with a statement timeout, returning rows capped
// (read through a cursor for a single row-returning statement, so the cap bounds memory too).
// Connecting is its own step: the built-in executor connects before it redeems the grant, so an
// unreachable database does not spend it.
import type pg from "pg";
import { runCapped, type SqlRows } from "../../client/sql-executor";
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

/** An open connection to a resource, ready to run one approved statement. */
export interface ExecutionConnection {
  run(sql: string): Promise<SqlResult>;
  close(): Promise<void>;
}

/** Connects and sets the statement timeout; throws ResourceConnectionError (a code only) on failure. */
export async function openExecution(connectionUrl: string, options: ExecuteOptions = {}): Promise<ExecutionConnection> {
  const timeout = Math.max(100, Math.floor(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS));
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const client: pg.Client = await connect(connectionUrl, "countersign-executor");
  try {
    await client.query(`SET statement_timeout = ${timeout}`);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    async run(sql) {
      try {
        return await runCapped(client, sql, maxRows);
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw new SqlExecutionError(scrubSecret(error instanceof Error ? error.message : String(error), connectionUrl), code);
      }
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

export async function executeSql(connectionUrl: string, sql: string, options: ExecuteOptions = {}): Promise<SqlResult> {
  const connection = await openExecution(connectionUrl, options);
  try {
    return await connection.run(sql);
  } finally {
    await connection.close();
  }
}
