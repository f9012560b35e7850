// Runs an approved statement once on a resource, with a statement timeout, returning rows capped
// (read through a cursor for a single row-returning statement, so the cap bounds memory too).
// Connecting is its own step: the built-in executor connects before it redeems the grant, so an
// unreachable database does not spend it.
import type pg from "pg";
import { runCapped, type RowFormat, type SqlRows } from "../../client/sql-executor";
import { connect, scrubSecret } from "./connect";
import { changedTables, fingerprintTables } from "./fingerprint";
import { quoteQualified } from "./sql-guard";
import { splitStatements } from "./sql-text";
import type { Enforcement } from "../requests/planned-effect";

export interface ExecuteOptions {
  statementTimeoutMs?: number;
  maxRows?: number;
  /** "text": each statement's columns, type OIDs, rows as the server's text and command tag (for the wire-protocol proxy). */
  rowFormat?: RowFormat;
}

/** Command tags, one per statement (`DELETE 6`), and the last statement's rows, capped. */
export type SqlResult = SqlRows;

export class SqlExecutionError extends Error {
  override name = "SqlExecutionError";
  constructor(
    message: string,
    readonly code?: string,
    /** True when it failed before the grant was redeemed: nothing ran and the grant is unspent. */
    readonly beforeRedemption = false,
  ) {
    super(message);
  }
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ROWS = 1_000;

/** An open connection to a resource, ready to run one approved statement. */
export interface ExecutionConnection {
  run(sql: string): Promise<SqlResult>;
  /**
   * Runs the batch in one transaction held to the approval: the measured tables must still have
   * their measured definitions (checked under lock, before `beforeRun` spends the grant), and no
   * table may lose or have changed more rows than the approval allows — or it is rolled back.
   */
  runBound(sql: string, enforcement: Enforcement, beforeRun: () => Promise<void>): Promise<BoundResult>;
  close(): Promise<void>;
}

/** Why an approved batch was not (or not for good) run: nothing it did was kept. */
export interface EnforcementRefusal {
  code: "precondition_failed" | "effect_changed";
  message: string;
  /** For the audit log: what was approved and what the batch did. */
  evidence: Record<string, unknown>;
}

export type BoundResult = { ran: true; result: SqlResult } | { ran: false; refusal: EnforcementRefusal; spent: boolean };

class NotRun extends Error {
  constructor(override readonly cause: unknown) {
    super("not run");
  }
}

const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * The batch without a leading BEGIN and a trailing COMMIT (the executor holds the transaction),
 * or null when it controls transactions otherwise (a COMMIT part-way would keep what came before
 * it beyond the executor's reach).
 */
export function withoutOwnTransaction(sql: string): string | null {
  const split = splitStatements(sql);
  if (!split.ok) return sql; // the database reports the syntax error
  const statements = split.statements;
  const kind = (i: number) => (statements[i]?.type === "TransactionStmt" ? String(statements[i].node.kind) : null);
  let from = 0;
  let to = statements.length;
  if (kind(0) === "TRANS_STMT_BEGIN" || kind(0) === "TRANS_STMT_START") from = 1;
  if (to > from && kind(to - 1) === "TRANS_STMT_COMMIT") to -= 1;
  const kept = statements.slice(from, to);
  if (kept.some((s) => s.type === "TransactionStmt")) return null;
  return from === 0 && to === statements.length ? sql : kept.map((s) => s.text.replace(/;\s*$/, "")).join(";\n");
}

/** Connects and sets the statement timeout; throws ResourceConnectionError (a code only) on failure. */
export async function openExecution(connectionUrl: string, options: ExecuteOptions = {}): Promise<ExecutionConnection> {
  const timeout = Math.max(100, Math.floor(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS));
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const rowFormat = options.rowFormat ?? "objects";
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
        return await runCapped(client, sql, maxRows, rowFormat);
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw new SqlExecutionError(scrubSecret(error instanceof Error ? error.message : String(error), connectionUrl), code);
      }
    },
    async runBound(sql, enforcement, beforeRun) {
      const batch = withoutOwnTransaction(sql);
      const refuse = async (refusal: EnforcementRefusal, spent: boolean): Promise<BoundResult> => {
        await client.query("ROLLBACK").catch(() => undefined);
        return { ran: false, refusal, spent };
      };
      // The redemption's own errors (409, 401…) reach the caller as they are.
      let spent = false;
      const spend = () =>
        beforeRun().then(
          () => void (spent = true),
          (error: unknown) => Promise.reject(new NotRun(error)),
        );
      await client.query("BEGIN");
      try {
        if (batch === null) {
          await spend();
          return await refuse(
            {
              code: "precondition_failed",
              message: "The batch commits or rolls back part-way, so Countersign cannot hold it to the approved effect. Nothing ran; ask again without transaction control.",
              evidence: {},
            },
            true,
          );
        }
        const tables = [...new Set([...Object.keys(enforcement.fingerprints), ...enforcement.limits.map((l) => l.table)])].sort();
        const settings = await client.query<{ path: string; track: string }>("SELECT current_setting('search_path') AS path, current_setting('track_counts') AS track");
        await client.query("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true)");
        // Held to COMMIT: no definition can change between this check and the batch.
        const present = await fingerprintTables((text, values) => client.query({ text, values }).then((r) => r.rows), tables);
        for (const table of Object.keys(present)) {
          const [schema, name] = [table.slice(0, table.indexOf(".")), table.slice(table.indexOf(".") + 1)];
          await client.query(`LOCK TABLE ${quoteQualified(schema, name)} IN ACCESS SHARE MODE`);
        }
        const now = await fingerprintTables((text, values) => client.query({ text, values }).then((r) => r.rows), tables);
        const changed = changedTables(enforcement.fingerprints, now);
        if (changed.length) {
          await spend();
          return await refuse(
            {
              code: "precondition_failed",
              message: `The definition of ${changed.map((t) => `\`${t}\``).join(", ")} changed after the effect was measured and approved. Nothing ran; ask again so people see the table as it is now.`,
              evidence: { changedTables: changed },
            },
            true,
          );
        }
        if (enforcement.limits.length && settings.rows[0]?.track !== "on") {
          await spend();
          return await refuse(
            { code: "precondition_failed", message: "The database does not count changed rows (track_counts is off), so the approved effect cannot be enforced. Nothing ran.", evidence: {} },
            true,
          );
        }
        await client.query("SELECT pg_catalog.set_config('search_path', $1, true)", [settings.rows[0]?.path ?? "\"$user\", public"]);
        await spend();
        const result = await runCapped(client, batch, maxRows, rowFormat);
        const exceeded = enforcement.limits.length ? await exceededLimits(client, enforcement) : [];
        if (exceeded.length) {
          const what = exceeded.map((e) => `${e.action === "delete" ? "delete" : "change"} ${fmt(e.actual)} rows in \`${e.table}\`, where the approval covers at most ${fmt(e.max)}`);
          return await refuse(
            {
              code: "effect_changed",
              message: `Rolled back: the statement would ${what.join("; and ")}. Nothing changed; ask again so people approve the effect it has now.`,
              evidence: { exceeded },
            },
            true,
          );
        }
        await client.query("COMMIT");
        return { ran: true, result };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        if (error instanceof NotRun) throw error.cause;
        const code = (error as { code?: string }).code;
        throw new SqlExecutionError(scrubSecret(error instanceof Error ? error.message : String(error), connectionUrl), code, !spent);
      }
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * Rows each limited table (with its partitions and children) lost or had changed so far in this
 * transaction — cascades and triggers included — set against the approval's limits.
 */
async function exceededLimits(client: pg.Client, enforcement: Enforcement) {
  const { rows } = await client.query<{ table: string; deleted: string; updated: string }>(
    `WITH RECURSIVE limited(root, oid) AS (
       SELECT t.name, c.oid FROM unnest($1::text[]) t(name)
         JOIN pg_catalog.pg_class c ON c.relname = substr(t.name, strpos(t.name, '.') + 1)
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = split_part(t.name, '.', 1)
       UNION
       SELECT l.root, i.inhrelid FROM limited l JOIN pg_catalog.pg_inherits i ON i.inhparent = l.oid)
     SELECT l.root AS "table", coalesce(sum(s.n_tup_del), 0)::text AS deleted, coalesce(sum(s.n_tup_upd), 0)::text AS updated
       FROM limited l LEFT JOIN pg_catalog.pg_stat_xact_all_tables s ON s.relid = l.oid
      GROUP BY l.root`,
    [[...new Set(enforcement.limits.map((l) => l.table))]],
  );
  const actual = new Map(rows.map((r) => [r.table, { delete: Number(r.deleted), update: Number(r.updated) }]));
  return enforcement.limits
    .map((limit) => ({ table: limit.table, action: limit.action, measured: limit.measured, max: limit.max, actual: actual.get(limit.table)?.[limit.action] ?? 0 }))
    .filter((e) => e.actual > e.max);
}

export async function executeSql(connectionUrl: string, sql: string, options: ExecuteOptions = {}): Promise<SqlResult> {
  const connection = await openExecution(connectionUrl, options);
  try {
    return await connection.run(sql);
  } finally {
    await connection.close();
  }
}
