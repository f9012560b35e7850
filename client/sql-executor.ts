// An executor for one PostgreSQL database that lives outside Countersign: it holds the database's
// credentials (the agent never does), binds every request to the environment and resource of its
// own configuration, and runs a statement only after the grant verifies offline for exactly that
// statement and has been redeemed — once.
import pg from "pg";
import Cursor from "pg-cursor";
import {
  CountersignClient,
  GrantVerificationError,
  createGrantVerifier,
  isCountersignError,
  type GrantClaims,
  type GrantVerifier,
  type RequestView,
} from "./index";

export interface SqlExecutorConfig {
  /** Countersign's URL (COUNTERSIGN_URL): the API, the JWKS, and the grants' expected `iss`. */
  countersignUrl: string;
  /** This executor's agent key. */
  apiKey: string;
  /** The database this executor runs statements on. Never sent anywhere. */
  databaseUrl: string;
  /** The environment this database belongs to: every request and grant is bound to it. */
  environment: string;
  /** The resource name reviewers see, e.g. `postgres/main`: every request and grant is bound to it. */
  resource: string;
  /** Default 30 s. */
  statementTimeoutMs?: number;
  /** Rows of the last statement returned, at most (default 1000). */
  maxRows?: number;
  fetch?: typeof globalThis.fetch;
}

export interface SqlRunOptions {
  /** A grant the agent already holds (from `request --wait`): no new request is made. */
  grant?: string;
  summary?: string;
  reasoning?: string;
  idempotencyKey?: string;
  /** Give up waiting for people after this long (the request stays open). */
  waitTimeoutSeconds?: number;
  signal?: AbortSignal;
  /** Called once the request exists, before waiting: e.g. to print its review URL. */
  onRequest?: (request: RequestView) => void;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export interface SqlRows {
  /** Command tags, one per statement: `DELETE 6`, `SELECT 3`. */
  commands: string[];
  /** The last statement's rows, at most maxRows (empty with rowFormat "text": see `statements`). */
  rows: Record<string, unknown>[];
  fields: string[];
  rowCount: number | null;
  truncated: boolean;
  /** With rowFormat "text" only: every statement's answer as the server sent it. */
  statements?: TextStatementResult[];
}

/**
 * `objects` (the default): rows as objects of parsed values. `text`: every statement's columns
 * (with their type OIDs), rows as the server's own text, and its exact command tag — what a
 * wire-protocol proxy hands on.
 */
export type RowFormat = "objects" | "text";

export interface TextColumn {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
}

export interface TextStatementResult {
  /** The server's command tag as sent: `INSERT 0 3`, `DROP TABLE`. */
  tag: string;
  /** Null for a statement that returns no rows (no RowDescription). */
  columns: TextColumn[] | null;
  /** At most maxRows; values as the server's text, null for NULL. */
  rows: (string | null)[][];
  truncated: boolean;
}

export type SqlRunResult =
  | { status: "executed"; requestId: string; result: SqlRows; outcomeReported: boolean }
  | { status: "failed"; requestId: string; error: string; sqlState?: string; outcomeReported: boolean }
  /** Nothing ran: people or policy said no, the grant did not verify, or redemption was refused. */
  | { status: "refused"; requestId?: string; code: string; reason: string }
  /** Nothing ran: still waiting for people when waitTimeoutSeconds ran out. */
  | { status: "undecided"; request: RequestView };

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_ROWS = 1_000;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Removes the connection URL and every part of it — password, user, host, port, database and
 * option values — from a message before it is printed, logged, stored or reported. Parts other
 * than the password are replaced only where they stand as a whole word, so that `app` does not
 * eat `application`.
 */
export function scrubConnectionSecrets(message: string, connectionUrl: string): string {
  let out = message.split(connectionUrl).join("[connection URL]");
  let url: URL;
  try {
    url = new URL(connectionUrl);
  } catch {
    return out; // not a URL: nothing more to scrub
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  for (const password of new Set([decode(url.password), url.password])) if (password) out = out.split(password).join("[redacted]");
  const parts: Array<[string, string]> = [];
  for (const user of [decode(url.username), url.username]) parts.push([user, "[user]"]);
  parts.push([url.hostname.replace(/^\[|\]$/g, ""), "[host]"], [url.port, "[port]"]);
  for (const database of [decode(url.pathname.slice(1)), url.pathname.slice(1)]) parts.push([database, "[database]"]);
  for (const [, option] of url.searchParams) parts.push([option, "[option]"]);
  for (const [part, label] of parts.filter(([p]) => p.length > 0).sort((a, b) => b[0].length - a[0].length)) {
    out = out.replace(new RegExp(`(?<![A-Za-z0-9_$])${escapeRegExp(part)}(?![A-Za-z0-9_$])`, "g"), label);
  }
  return out;
}

/**
 * Why a connection failed, as a code only (`ENOTFOUND`, `ECONNREFUSED`, SQLSTATE `28P01`,
 * `3D000`, …): the driver's messages name the host, the user and the database.
 */
export function connectionFailureCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && /^[A-Z0-9_]{2,24}$/.test(code)) return code;
  const message = error instanceof Error ? error.message : String(error);
  return /timeout|timed out/i.test(message) ? "timeout" : "unknown";
}

/**
 * What a simple-protocol query answered, as the executors return it: one command tag per
 * statement (`DELETE 6`), and the last statement's rows, at most maxRows.
 */
export function summarizeResults(raw: unknown, maxRows: number): SqlRows {
  const cap = Math.max(0, Math.floor(maxRows));
  const results = (Array.isArray(raw) ? raw : [raw]) as pg.QueryResult[];
  const last = results[results.length - 1];
  const rows = (last?.rows ?? []) as Record<string, unknown>[];
  return {
    commands: results.map((r) => [r.command, r.rowCount].filter((p) => p !== null && p !== undefined).join(" ")),
    rows: rows.slice(0, cap),
    fields: (last?.fields ?? []).map((f) => f.name),
    rowCount: last?.rowCount ?? null,
    truncated: rows.length > cap,
  };
}

// A statement that may answer with many rows. Only these are read through a cursor; anything
// else keeps the simple protocol, under which a batch runs as one implicit transaction.
const ROW_RETURNING = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*(?:select|with|values|table)\b/i;

function isMultipleCommands(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === "42601" && typeof e.message === "string" && e.message.includes("multiple commands");
}

/**
 * Runs an approved statement once and returns at most maxRows rows of its answer. A single
 * row-returning statement is read through a cursor that stops after maxRows + 1 rows, so the cap
 * bounds memory too. A batch (which PostgreSQL refuses to prepare, before running any of it)
 * goes through the simple protocol as one implicit transaction; there the whole answer of its
 * last statement is loaded before it is capped.
 */
export async function runCapped(db: pg.Client, sql: string, maxRows: number, rowFormat: RowFormat = "objects"): Promise<SqlRows> {
  if (rowFormat === "text") return runCappedText(db, sql, maxRows);
  const cap = Math.max(0, Math.floor(maxRows));
  if (ROW_RETURNING.test(sql)) {
    const cursor = db.query(new Cursor<Record<string, unknown>>(sql));
    try {
      const { rows, result } = await new Promise<{ rows: Record<string, unknown>[]; result: pg.QueryResult }>((resolve, reject) =>
        cursor.read(cap + 1, (error, rows, result) => (error ? reject(error) : resolve({ rows, result }))),
      );
      const truncated = rows.length > cap;
      if (truncated) await cursor.close();
      const command = result.command || "SELECT";
      return {
        commands: [truncated ? command : [command, result.rowCount ?? rows.length].join(" ")],
        rows: rows.slice(0, cap),
        fields: (result.fields ?? []).map((f) => f.name),
        rowCount: truncated ? null : (result.rowCount ?? rows.length),
        truncated,
      };
    } catch (error) {
      if (!isMultipleCommands(error)) throw error;
    }
  }
  return summarizeResults(await db.query(sql), cap);
}

// Values stay the server's text: nothing is parsed into JavaScript and printed back differently.
const SERVER_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

type ProtocolEvents = {
  rowDescription: { fields: TextColumn[] };
  dataRow: { fields: (string | null)[] };
  commandComplete: { text: string };
};

/**
 * runCapped for rowFormat "text": the same statement paths (a cursor for a single row-returning
 * statement, else the simple protocol), with each statement's answer taken from the protocol
 * messages themselves, so column types, NULLs, duplicate column names and command tags arrive
 * exactly as the server sent them.
 */
async function runCappedText(db: pg.Client, sql: string, maxRows: number): Promise<SqlRows> {
  const cap = Math.max(0, Math.floor(maxRows));
  const connection = (db as unknown as { connection: import("node:events").EventEmitter }).connection;
  let statements: TextStatementResult[] = [];
  let current: TextStatementResult | null = null;
  const open = () => (current ??= { tag: "", columns: null, rows: [], truncated: false });
  const on = {
    rowDescription: (msg: ProtocolEvents["rowDescription"]) => {
      open().columns = msg.fields.map(({ name, tableID, columnID, dataTypeID, dataTypeSize, dataTypeModifier }) => ({ name, tableID, columnID, dataTypeID, dataTypeSize, dataTypeModifier }));
    },
    dataRow: (msg: ProtocolEvents["dataRow"]) => {
      const statement = open();
      if (statement.rows.length < cap) statement.rows.push(msg.fields);
      else statement.truncated = true;
    },
    commandComplete: (msg: ProtocolEvents["commandComplete"]) => {
      open().tag = msg.text;
      statements.push(current!);
      current = null;
    },
  };
  for (const [event, handler] of Object.entries(on)) connection.on(event, handler);
  try {
    if (ROW_RETURNING.test(sql)) {
      const cursor = db.query(new Cursor<unknown[]>(sql, undefined, { rowMode: "array", types: SERVER_TEXT }));
      try {
        const rows = await new Promise<unknown[][]>((resolve, reject) => cursor.read(cap + 1, (error, rows) => (error ? reject(error) : resolve(rows))));
        if (rows.length > cap) {
          await cursor.close();
          // The cursor stopped early: the server sent no command tag for it.
          const statement = open();
          statements.push({ ...statement, tag: `SELECT ${statement.rows.length}`, truncated: true });
          current = null;
        }
        return textSummary(statements);
      } catch (error) {
        if (!isMultipleCommands(error)) throw error;
        statements = [];
        current = null;
      }
    }
    await db.query({ text: sql, rowMode: "array", types: SERVER_TEXT });
    return textSummary(statements);
  } finally {
    for (const [event, handler] of Object.entries(on)) connection.off(event, handler);
  }
}

function textSummary(statements: TextStatementResult[]): SqlRows {
  const last = statements[statements.length - 1];
  const count = last && /\s(\d+)$/.exec(last.tag);
  return {
    commands: statements.map((s) => s.tag),
    rows: [],
    fields: (last?.columns ?? []).map((c) => c.name),
    rowCount: count && !last.truncated ? Number(count[1]) : null,
    truncated: statements.some((s) => s.truncated),
    statements,
  };
}

export class SqlExecutor {
  readonly client: CountersignClient;
  readonly verifier: GrantVerifier;
  readonly #config: SqlExecutorConfig;

  constructor(config: SqlExecutorConfig) {
    for (const field of ["countersignUrl", "apiKey", "databaseUrl", "environment", "resource"] as const) {
      if (!config[field]) throw new TypeError(`SqlExecutor: ${field} is required.`);
    }
    this.#config = config;
    this.client = new CountersignClient({ baseUrl: config.countersignUrl, apiKey: config.apiKey, fetch: config.fetch });
    this.verifier = createGrantVerifier({
      issuer: config.countersignUrl,
      audience: config.resource,
      environment: config.environment,
      fetch: config.fetch,
    });
  }

  /** The exact operation this executor would run for a statement: the target is its own. */
  operationFor(sql: string) {
    return { kind: "sql" as const, target: { environment: this.#config.environment, resource: this.#config.resource }, sql };
  }

  /**
   * Asks for (or takes) a grant for exactly this statement on this executor's database, verifies it
   * offline, redeems it, runs the statement once and reports the outcome. Refusals run nothing.
   * Network trouble and server errors before redemption are thrown (nothing ran).
   */
  async run(sql: string, options: SqlRunOptions = {}): Promise<SqlRunResult> {
    if (typeof sql !== "string" || sql.trim() === "") throw new TypeError("SqlExecutor.run: a statement is required.");
    const operation = this.operationFor(sql);

    let token = options.grant;
    let requestId: string | undefined;
    if (token === undefined) {
      let request = await this.client.createRequest(
        {
          operation,
          summary: options.summary ?? `Run SQL on ${this.#config.resource}`,
          ...(options.reasoning ? { context: { reasoning: options.reasoning } } : {}),
        },
        { idempotencyKey: options.idempotencyKey, signal: options.signal },
      );
      requestId = request.id;
      options.onRequest?.(request);
      if (request.status === "pending" || request.status === "cooling_down") {
        request = await this.client.waitForDecision(request.id, { timeoutSeconds: options.waitTimeoutSeconds, signal: options.signal, onRetry: options.onRetry });
      }
      if (request.status === "pending" || request.status === "cooling_down") return { status: "undecided", request };
      if (request.status !== "approved" || !request.grant) {
        const reason =
          request.status === "approved" ? "its grant was already used or has lapsed" : (request.reason ?? `the request is ${request.status}`);
        return { status: "refused", requestId, code: `request_${request.status}`, reason };
      }
      token = request.grant.token;
    }

    // Offline, against this executor's own configuration and the statement it is about to run.
    let claims: GrantClaims;
    try {
      claims = await this.verifier.verifyGrant(token, { operation });
    } catch (error) {
      if (error instanceof GrantVerificationError) return { status: "refused", requestId, code: error.code, reason: error.message };
      throw error;
    }
    requestId = claims.req;

    // Connect before redeeming, so an unreachable database does not spend the grant.
    const db = await this.#connect();
    try {
      try {
        // No abort signal from here on: a redemption cut off half-way could spend the grant with nothing run.
        await this.client.redeemGrant(token, operation);
      } catch (error) {
        if (isCountersignError(error) && error.status >= 400 && error.status < 500) {
          return { status: "refused", requestId, code: error.code, reason: error.detail };
        }
        throw error;
      }
      let outcome: SqlRunResult;
      try {
        outcome = { status: "executed", requestId, result: await this.#execute(db, sql), outcomeReported: false };
      } catch (error) {
        const sqlState = (error as { code?: unknown }).code;
        outcome = {
          status: "failed",
          requestId,
          error: this.#scrub(error),
          ...(typeof sqlState === "string" ? { sqlState } : {}),
          outcomeReported: false,
        };
      }
      outcome.outcomeReported = await this.#report(requestId, outcome);
      return outcome;
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  async #connect(): Promise<pg.Client> {
    const timeout = Math.max(100, Math.floor(this.#config.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS));
    const db = new pg.Client({ connectionString: this.#config.databaseUrl, application_name: "countersign-executor", connectionTimeoutMillis: 10_000 });
    db.on("error", () => undefined); // an idle socket error must not crash the process
    try {
      await db.connect();
      await db.query(`SET statement_timeout = ${timeout}`);
    } catch (error) {
      await db.end().catch(() => undefined);
      throw new Error(`Could not connect to the database (${connectionFailureCode(error)}).`);
    }
    return db;
  }

  async #execute(db: pg.Client, sql: string): Promise<SqlRows> {
    // A batch runs as one implicit transaction, exactly as approved.
    return runCapped(db, sql, this.#config.maxRows ?? DEFAULT_MAX_ROWS);
  }

  /** Reports the outcome, retrying network trouble a few times; false when it could not be recorded. */
  async #report(requestId: string, outcome: SqlRunResult): Promise<boolean> {
    const detail =
      outcome.status === "executed"
        ? `Run by the countersign sql executor: ${outcome.result.commands.join("; ") || "done"}`
        : outcome.status === "failed"
          ? `Run by the countersign sql executor, failed: ${outcome.error}`
          : "";
    const status = outcome.status === "executed" ? "executed" : "failed";
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        await this.client.reportOutcome(requestId, status, detail.slice(0, 2000));
        return true;
      } catch (error) {
        // 4xx: already reported, or not ours to report — retrying will not change it.
        if (isCountersignError(error) && error.status < 500) return false;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
    return false;
  }

  #scrub(error: unknown): string {
    return scrubConnectionSecrets(error instanceof Error ? error.message : String(error), this.#config.databaseUrl);
  }
}
