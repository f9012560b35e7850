// One client connection. pg-gateway runs the start-up (SSLRequest/TLS, the startup packet, the
// cleartext password request); every message after that is queued here and handled in order,
// and each query goes through runSqlOnResource / runApprovedSql — the path of
// POST /api/v1/resources/{name}/sql — with the exact text that runs as the operation.
import { randomInt } from "node:crypto";
import type { Socket } from "node:net";
import { PostgresConnection, type State, type TlsOptions } from "pg-gateway";
import type { Database } from "../../db";
import type { Config, PgProxyConfig } from "../../env";
import type { AuthenticatedAgent } from "../../agents";
import { isAppError } from "../../errors";
import { log } from "../../log";
import { cancelRequest, getRequestForAgent, type RequestView } from "../../requests";
import { runApprovedSql, runSqlOnResource, type RunSqlOutcome } from "../../executor/run-sql";
import type { TextStatementResult } from "../../../client/sql-executor";
import type { RateLimiter } from "../../http/rate-limit";
import { authenticateClient } from "./authenticate";
import { inlineParameters, parameterCount } from "./params";
import {
  Frontend,
  GSSENC_REQUEST_CODE,
  ProtocolViolation,
  Replies,
  readBind,
  readCancelRequest,
  readCString,
  readExecute,
  readParse,
  readTarget,
  startupCode,
} from "./protocol";
import { SQLSTATE, appErrorToPg, executionError, undecidedError, type PgError } from "./sqlstate";
import { classifyQuery, type Classified } from "./statements";

export interface ProxyContext {
  database: Database;
  cfg: Config;
  proxy: PgProxyConfig;
  tls: TlsOptions | undefined;
  /** Open sessions by process id, for CancelRequest. */
  sessions: Map<number, PgSession>;
  /** Statements per key and minute, as the HTTP API allows. */
  perKey: RateLimiter;
}

/** What the proxy reports about itself at start-up. The database's own version: SELECT version(). */
export const SERVER_VERSION = "18.0";
const WAITING = new Set(["pending", "cooling_down"]);
/** Each wait for people is one long-poll of at most a minute, as the HTTP API's. */
const WAIT_STEP_SECONDS = 60;
const STARTUP_TIMEOUT_MS = 60_000;
/** Messages a client may send ahead of the answers (a pipeline) before it is paused. */
const MAX_QUEUED_MESSAGES = 1_000;
const RESUME_BELOW = 100;
/** One message at most (a statement with its bound values). */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

type Answer =
  | { kind: "rows"; statements: TextStatementResult[] }
  | { kind: "local"; tag: string; classified: Extract<Classified, { kind: "local" }> }
  | { kind: "empty" }
  | { kind: "error"; error: PgError };

interface PreparedStatement {
  query: string;
  parameterTypes: number[];
}

interface Portal {
  sql: string;
  answer?: Promise<Answer>;
  /** Rows of the answer already sent by Execute (row limits suspend the portal). */
  sent: number;
}

const isLoopback = (address: string | undefined) =>
  !!address && (address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127."));

export class PgSession {
  readonly processId: number;
  readonly secretKey: number;
  private readonly conn: PostgresConnection;
  private readonly replies: Replies;
  private readonly source: string;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private caller: AuthenticatedAgent | undefined;
  private resource = "";
  private applicationName = "";
  private statements = new Map<string, PreparedStatement>();
  private portals = new Map<string, Portal>();
  /** After an error in the extended protocol, messages are skipped until Sync. */
  private skipToSync = false;
  private waiting: AbortController | undefined;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ProxyContext,
  ) {
    this.processId = randomInt(1, 2 ** 31 - 1);
    this.secretKey = randomInt(0, 2 ** 31 - 1);
    this.source = socket.remoteAddress ?? "unknown";
    socket.setNoDelay(true);
    socket.setTimeout(STARTUP_TIMEOUT_MS, () => socket.destroy());
    socket.on("error", () => undefined);
    socket.on("close", () => this.onClose());
    this.conn = new PostgresConnection(socket, {
      authMode: "cleartextPassword",
      serverVersion: SERVER_VERSION,
      tls: ctx.tls,
      onStartup: (state) => this.onStartup(state),
      onMessage: (data, state) => this.onMessage(data, state),
    });
    this.replies = new Replies(this.conn);
  }

  /** A CancelRequest for this session: withdraws a statement waiting for people. */
  cancel(): void {
    this.waiting?.abort();
  }

  /**
   * Shutdown: a waiting statement is withdrawn, and the client told why it is cut off. Resolves
   * once the message in hand is finished (the withdrawal written), so the database outlives it.
   */
  terminate(): Promise<void> {
    this.waiting?.abort();
    if (!this.closed) {
      this.closed = true;
      try {
        this.conn.sendError({ severity: "FATAL", code: "57P01", message: "terminating connection due to administrator command" });
      } catch {
        // the socket is already gone
      }
      this.conn.socket.end();
      setTimeout(() => this.socket.destroy(), 1_000).unref();
    }
    return this.queue;
  }

  private onClose() {
    this.closed = true;
    this.waiting?.abort();
    this.ctx.sessions.delete(this.processId);
  }

  private onStartup(state: State): boolean {
    this.applicationName = state.clientInfo?.parameters.application_name ?? "";
    // The agent's key is the password, and it travels in clear text unless the connection is TLS.
    if (!this.conn.secureSocket && !isLoopback(this.source)) {
      this.fatal({
        code: SQLSTATE.invalidAuthorization,
        message: this.ctx.tls
          ? "Countersign's proxy accepts connections from other machines only over TLS: connect with sslmode=require (or stronger)."
          : "Countersign's proxy accepts connections only from this machine unless TLS is configured (COUNTERSIGN_PG_PROXY_TLS_CERT / _KEY): the agent key would travel in clear text.",
      });
      return true;
    }
    return false; // pg-gateway asks for the password
  }

  private onMessage(data: Uint8Array, state: State): boolean {
    const message = Buffer.from(data); // pg-gateway reuses its buffer once this returns
    if (!state.hasStarted) {
      const cancel = readCancelRequest(message);
      if (cancel) {
        const target = this.ctx.sessions.get(cancel.processId);
        if (target && target.secretKey === cancel.secretKey) target.cancel();
        this.socket.end();
        return true;
      }
      if (startupCode(message) === GSSENC_REQUEST_CODE) {
        // No GSSAPI encryption: 'N', and the client goes on with SSLRequest or its startup packet.
        // pg-gateway marks the start-up done when a hook answers a packet; undo that before the
        // client can answer.
        this.conn.sendData(Buffer.from("N"));
        setImmediate(() => {
          this.conn.hasStarted = false;
        });
        return true;
      }
      return false; // SSLRequest and the startup packet: pg-gateway's
    }
    // Before authentication only the password message is expected; one at a time.
    this.enqueue(message, () => this.handlePassword(message));
    return true;
  }

  /** Messages are answered strictly in order; a client that sends far ahead is paused. */
  private enqueue(message: Buffer, run = () => this.handle(message)) {
    if (this.closed) return;
    if (++this.queued >= MAX_QUEUED_MESSAGES) this.conn.socket.pause();
    this.queue = this.queue
      .then(run)
      .catch((error: unknown) => this.failed(error))
      .finally(() => {
        if (--this.queued === RESUME_BELOW) this.conn.socket.resume();
      });
  }

  /**
   * After authentication the session frames messages itself: pg-gateway 0.2.4 slices every
   * message after the first of one network read as `subarray(start, length)` — empty — which
   * breaks the extended protocol, whose messages arrive together.
   */
  private takeOverSocket() {
    const socket = this.conn.detach();
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 5) {
        const length = pending.readUInt32BE(1);
        if (length < 4 || length > MAX_MESSAGE_BYTES) {
          this.fatal({ code: SQLSTATE.protocolViolation, message: `invalid message length ${length}` });
          return;
        }
        if (pending.length < 1 + length) break;
        this.enqueue(pending.subarray(0, 1 + length));
        pending = pending.subarray(1 + length);
      }
    });
  }

  private failed(error: unknown) {
    if (error instanceof ProtocolViolation) {
      this.fatal({ code: SQLSTATE.protocolViolation, message: `invalid message: ${error.message}` });
      return;
    }
    log.error("pg proxy: unexpected error", { err: error });
    this.fatal({ code: SQLSTATE.internal, message: "internal error" });
  }

  private fatal(error: PgError) {
    if (this.closed) return;
    this.closed = true; // nothing more is read or answered
    this.waiting?.abort();
    this.conn.sendError({ severity: "FATAL", ...error });
    this.conn.socket.end();
  }

  private async handlePassword(message: Buffer) {
    if (message[0] !== Frontend.Password) {
      return this.fatal({ code: SQLSTATE.protocolViolation, message: "expected a password message" });
    }
    const parameters = this.conn.clientInfo?.parameters;
    const user = parameters?.user ?? "";
    const result = await authenticateClient(this.ctx.database.prisma, {
      source: this.source,
      user,
      password: readCString(message),
      database: parameters?.database || user,
    });
    if (!result.ok) return this.fatal(result.error);
    this.caller = result.caller;
    this.resource = result.resource.name;
    this.conn.isAuthenticated = true;
    this.takeOverSocket();
    this.socket.setTimeout(0);
    this.ctx.sessions.set(this.processId, this);
    const r = this.replies;
    this.conn.sendAuthenticationOk();
    const status: Array<[string, string]> = [
      ["server_version", SERVER_VERSION],
      ["server_encoding", "UTF8"],
      ["client_encoding", "UTF8"],
      ["DateStyle", "ISO, MDY"],
      ["IntervalStyle", "postgres"],
      ["integer_datetimes", "on"],
      ["standard_conforming_strings", "on"],
      ["is_superuser", "off"],
      ["session_authorization", user],
      ["application_name", this.applicationName],
    ];
    for (const [name, value] of status) this.conn.sendParameterStatus(name, value);
    r.backendKeyData(this.processId, this.secretKey);
    this.conn.sendReadyForQuery("idle");
    log.info("pg proxy: client connected", { agent: this.caller.agent.name, resource: this.resource, processId: this.processId });
  }

  private async handle(message: Buffer) {
    if (this.closed) return;
    const type = message[0];
    if (this.skipToSync && type !== Frontend.Sync && type !== Frontend.Terminate) return;
    const out = this.conn.socket;
    out.cork();
    try {
      switch (type) {
        case Frontend.Query:
          return await this.simpleQuery(readCString(message));
        case Frontend.Parse:
          return this.parse(message);
        case Frontend.Bind:
          return this.bind(message);
        case Frontend.Describe:
          return await this.describe(message);
        case Frontend.Execute:
          return await this.execute(message);
        case Frontend.Close: {
          const { kind, name } = readTarget(message);
          (kind === "S" ? this.statements : this.portals).delete(name);
          return this.replies.closeComplete();
        }
        case Frontend.Sync:
          // The implicit transaction of the extended protocol ends here, and its portals with it.
          this.skipToSync = false;
          this.portals.clear();
          return this.conn.sendReadyForQuery("idle");
        case Frontend.Flush:
          return;
        case Frontend.Terminate:
          this.conn.socket.end();
          return;
        case Frontend.FunctionCall:
          this.conn.sendError({ severity: "ERROR", code: SQLSTATE.unsupported, message: "function calls through the fast-path interface are not supported" });
          return this.conn.sendReadyForQuery("idle");
        case Frontend.CopyData:
        case Frontend.CopyDone:
        case Frontend.CopyFail:
          return; // no COPY is ever started
        default:
          throw new ProtocolViolation(`unknown message type '${String.fromCharCode(type)}'`);
      }
    } finally {
      out.uncork();
    }
  }

  // ── the simple protocol ────────────────────────────────────────────────────────────────

  private async simpleQuery(sql: string) {
    const answer = await this.answer(sql, classifyQuery(sql));
    if (answer.kind === "error") this.sendError(answer.error);
    else if (answer.kind === "empty") this.replies.emptyQuery();
    else if (answer.kind === "local") this.replies.commandComplete(answer.tag);
    else {
      for (const statement of answer.statements) {
        if (statement.columns) this.replies.rowDescription(statement.columns);
        for (const row of statement.rows) this.replies.dataRow(row);
        this.replies.commandComplete(statement.tag);
      }
    }
    this.conn.sendReadyForQuery("idle");
  }

  // ── the extended protocol ──────────────────────────────────────────────────────────────

  private parse(message: Buffer) {
    const { statement, query, parameterTypes } = readParse(message);
    if (statement !== "" && this.statements.has(statement)) {
      return this.extendedError({ code: "42P05", message: `prepared statement "${statement}" already exists` });
    }
    this.statements.set(statement, { query, parameterTypes });
    this.replies.parseComplete();
  }

  private bind(message: Buffer) {
    const bind = readBind(message);
    const statement = this.statements.get(bind.statement);
    if (!statement) return this.extendedError({ code: "26000", message: `prepared statement "${bind.statement}" does not exist` });
    if (bind.resultFormats.some((f) => f !== 0)) {
      return this.extendedError({ code: SQLSTATE.unsupported, message: "Countersign's proxy returns results in text format only." });
    }
    const inlined = inlineParameters(
      statement.query,
      bind.parameters.map((value, i) => ({ value, format: bind.parameterFormats[i], typeOid: statement.parameterTypes[i] ?? 0 })),
    );
    if (!inlined.ok) return this.extendedError(inlined.error);
    this.portals.set(bind.portal, { sql: inlined.sql, sent: 0 });
    this.replies.bindComplete();
  }

  private async describe(message: Buffer) {
    const { kind, name } = readTarget(message);
    if (kind === "S") {
      const statement = this.statements.get(name);
      if (!statement) return this.extendedError({ code: "26000", message: `prepared statement "${name}" does not exist` });
      // The columns are known only once the statement has run, and it runs only once it is bound
      // (with its values, the operation reviewers see). Clients that bind before describing
      // (node-postgres, Prisma, libpq's PQexecParams) never ask this.
      return this.extendedError({
        code: SQLSTATE.unsupported,
        message: "Countersign's proxy cannot describe a prepared statement before it is bound: its columns are known once it has run.",
        hint: `Bind the statement (it has ${parameterCount(statement.query)} parameters) and describe the portal instead.`,
      });
    }
    const portal = this.portals.get(name);
    if (!portal) return this.extendedError({ code: "34000", message: `portal "${name}" does not exist` });
    // Describing a portal runs it: the answer's columns are its description; Execute sends its rows.
    const answer = await this.portalAnswer(portal);
    if (answer.kind === "error") return this.extendedError(answer.error);
    const columns = answer.kind === "rows" ? answer.statements[0]?.columns : null;
    if (columns) this.replies.rowDescription(columns);
    else this.replies.noData();
  }

  private async execute(message: Buffer) {
    const { portal: name, maxRows } = readExecute(message);
    const portal = this.portals.get(name);
    if (!portal) return this.extendedError({ code: "34000", message: `portal "${name}" does not exist` });
    const answer = await this.portalAnswer(portal);
    if (answer.kind === "error") return this.extendedError(answer.error);
    if (answer.kind === "empty") return this.replies.emptyQuery();
    if (answer.kind === "local") return this.replies.commandComplete(answer.tag);
    const statement = answer.statements[0];
    if (!statement) return this.replies.emptyQuery();
    const end = maxRows > 0 ? Math.min(statement.rows.length, portal.sent + maxRows) : statement.rows.length;
    for (let i = portal.sent; i < end; i++) this.replies.dataRow(statement.rows[i]);
    portal.sent = end;
    if (end < statement.rows.length) this.replies.portalSuspended();
    else this.replies.commandComplete(statement.tag);
  }

  private portalAnswer(portal: Portal): Promise<Answer> {
    portal.answer ??= this.answer(portal.sql, classifyQuery(portal.sql, true));
    return portal.answer;
  }

  private extendedError(error: PgError) {
    this.sendError(error);
    this.skipToSync = true;
  }

  private sendError(error: PgError) {
    this.conn.sendError({ severity: "ERROR", ...error });
  }

  // ── answering a query ──────────────────────────────────────────────────────────────────

  private async answer(sql: string, classified: Classified): Promise<Answer> {
    switch (classified.kind) {
      case "empty":
        return { kind: "empty" };
      case "refuse":
        return { kind: "error", error: classified.error };
      case "local":
        if (classified.notice) this.replies.notice(classified.notice);
        if (classified.parameter) this.conn.sendParameterStatus(...classified.parameter);
        if (classified.forget === "all") this.statements.clear();
        else if (classified.forget) this.statements.delete(classified.forget);
        return { kind: "local", tag: classified.tag, classified };
      case "submit":
        return this.submit(sql);
    }
  }

  /** The statement as an operation on the resource: policy, people if needed, then run once. */
  private async submit(sql: string): Promise<Answer> {
    const caller = this.caller!;
    const wait = this.ctx.perKey.hit(caller.key.id);
    if (wait) return { kind: "error", error: { code: SQLSTATE.rateLimited, message: `This key is sending too many statements; try again in ${wait} s.` } };
    const { database, cfg, proxy } = this.ctx;
    try {
      let outcome: RunSqlOutcome & { ended?: { timedOut?: number; cancelled?: boolean } } = await runSqlOnResource(database, cfg, caller, {
        resource: this.resource,
        sql,
        summary: `Run SQL on ${this.resource} (PostgreSQL proxy)`,
        context: { session: `pg-proxy ${this.processId}${this.applicationName ? ` (${this.applicationName.slice(0, 100)})` : ""}` },
        waitSeconds: 0,
        maxRows: proxy.maxRows,
        rowFormat: "text",
      });
      if (!outcome.result && WAITING.has(outcome.request.status)) outcome = await this.waitForPeople(outcome.request);
      if (!outcome.result) return { kind: "error", error: undecidedError(outcome.request, outcome.ended) };
      const result = outcome.result;
      if (result.status === "failed") return { kind: "error", error: executionError(result.error, result.code) };
      if (result.truncated) {
        return {
          kind: "error",
          error: {
            code: SQLSTATE.tooManyRows,
            message: `The answer has more than ${proxy.maxRows} rows, more than Countersign's proxy returns. The statement ran: anything it changed is committed.`,
            hint: "Add a LIMIT, or raise COUNTERSIGN_PG_PROXY_MAX_ROWS.",
          },
        };
      }
      return { kind: "rows", statements: result.statements ?? [] };
    } catch (error) {
      const mapped = appErrorToPg(error);
      if (mapped) return { kind: "error", error: mapped };
      log.error("pg proxy: statement failed", { err: error, resource: this.resource });
      return { kind: "error", error: { code: SQLSTATE.internal, message: "internal error" } };
    }
  }

  /**
   * Tells the client where people decide (psql prints the notice at once), then waits in
   * long-polls until they do or COUNTERSIGN_PG_PROXY_WAIT_SECONDS pass. Without a decision the
   * request is withdrawn, so nothing can run after the client was told it did not.
   */
  private async waitForPeople(pending: RequestView): Promise<RunSqlOutcome & { ended?: { timedOut?: number; cancelled?: boolean } }> {
    const { database, cfg, proxy } = this.ctx;
    const caller = this.caller!;
    const approvals = `${pending.requiredApprovals} approval${pending.requiredApprovals === 1 ? "" : "s"}`;
    this.replies.notice({
      severity: "NOTICE",
      code: "00000",
      message: `Countersign: this statement needs ${approvals} (risk ${pending.risk.level}). Review it at ${pending.reviewUrl}`,
      detail: `Waiting up to ${proxy.waitSeconds} s for a decision; cancel the query to withdraw it.`,
    });
    this.conn.socket.uncork(); // the notice goes out now, before the wait
    this.conn.socket.cork();
    const controller = new AbortController();
    this.waiting = controller;
    const deadline = Date.now() + proxy.waitSeconds * 1000;
    const run = async (waitSeconds: number): Promise<RunSqlOutcome> => {
      try {
        return await runApprovedSql(database, cfg, caller, pending.id, { waitSeconds, signal: controller.signal, maxRows: proxy.maxRows, rowFormat: "text" });
      } catch (error) {
        // Denied, expired, revoked: the request itself says how, and the reason.
        if (isAppError(error) && error.code === "request_already_decided") return { request: await getRequestForAgent(database.prisma, cfg, caller.agent.id, pending.id) };
        throw error;
      }
    };
    try {
      let remaining = proxy.waitSeconds;
      while (remaining > 0 && !controller.signal.aborted) {
        const outcome = await run(Math.min(WAIT_STEP_SECONDS, remaining));
        if (outcome.result || !WAITING.has(outcome.request.status)) return outcome;
        remaining = Math.ceil((deadline - Date.now()) / 1000);
      }
      const cancelled = controller.signal.aborted;
      try {
        const withdrawn = await cancelRequest(database.prisma, cfg, caller.agent.id, pending.id);
        return { request: withdrawn, ended: cancelled ? { cancelled } : { timedOut: proxy.waitSeconds } };
      } catch (error) {
        // Decided in the last instant: an approval runs now, anything else is reported as it is.
        if (isAppError(error) && error.code === "request_already_decided") {
          if (cancelled || this.closed) return { request: await getRequestForAgent(database.prisma, cfg, caller.agent.id, pending.id) };
          return await run(0);
        }
        throw error;
      }
    } finally {
      this.waiting = undefined;
    }
  }
}
