// What the proxy does with a query before anything is submitted. Every query is its own
// Countersign request, run on its own connection and committed when it ends; so a query that
// would leave a transaction open, or change a session setting that the next query would expect,
// cannot be honoured and is refused with an error that says so. Client-side settings that change
// nothing on the server are acknowledged here, and a COMMIT or ROLLBACK alone answers as
// PostgreSQL answers it outside a transaction.
import { splitStatements } from "../../executor/sql-text";
import { SQLSTATE, type PgError } from "./sqlstate";
import type { Notice } from "./protocol";

export type Classified =
  | { kind: "empty" }
  /** Submitted to Countersign as it is. */
  | { kind: "submit" }
  /** Answered by the proxy: nothing reaches the database. */
  | { kind: "local"; tag: string; notice?: Notice; parameter?: [string, string]; forget?: "all" | string }
  | { kind: "refuse"; error: PgError };

// Settings that only shape what this connection's client sees; the proxy keeps them.
const CLIENT_SETTINGS = new Set(["application_name", "extra_float_digits", "client_min_messages"]);
const UTF8 = /^(utf-?8|unicode)$/i;

type Node = Record<string, unknown>;

const NO_TRANSACTION: Notice = { severity: "WARNING", code: "25P01", message: "there is no transaction in progress" };

const OPEN_ACROSS_QUERIES: PgError = {
  code: SQLSTATE.unsupported,
  message:
    "Countersign's proxy runs every query as its own request on its own connection, committed when the query ends: a transaction cannot stay open across queries.",
  hint: "Send the whole transaction as one query (BEGIN; …; COMMIT;), or leave BEGIN out: each statement then commits on its own.",
};

const sessionState = (what: string): PgError => ({
  code: SQLSTATE.unsupported,
  message: `${what} would last only for this statement's own connection: Countersign's proxy runs every query on a fresh connection, so session state does not carry over to the next query.`,
  hint: "Put it in the same query as the statements that need it, e.g. SET LOCAL search_path = app; SELECT …",
});

/**
 * @param extended true for the extended protocol, where one Parse holds one statement.
 */
export function classifyQuery(sql: string, extended = false): Classified {
  const split = splitStatements(sql);
  // A statement that does not parse goes to Countersign like any other: its risk is high, and the
  // database gives its own syntax error if it runs.
  if (!split.ok) return { kind: "submit" };
  const statements = split.statements;
  if (statements.length === 0) return { kind: "empty" };
  if (extended && statements.length > 1) {
    return { kind: "refuse", error: { code: "42601", message: "cannot insert multiple commands into a prepared statement" } };
  }

  for (const s of statements) {
    if (s.type === "CopyStmt" && !s.node.filename) {
      return {
        kind: "refuse",
        error: { code: SQLSTATE.unsupported, message: "COPY … FROM STDIN and COPY … TO STDOUT are not supported through Countersign's proxy.", hint: "Use INSERT … VALUES, or SELECT for reading." },
      };
    }
    if (s.type === "ListenStmt") return { kind: "refuse", error: sessionState("LISTEN") };
  }

  // A transaction may open and close within one query; it may not stay open after it.
  let open = false;
  for (const s of statements) {
    if (s.type !== "TransactionStmt") continue;
    const kind = String(s.node.kind);
    if (kind === "TRANS_STMT_BEGIN" || kind === "TRANS_STMT_START") open = true;
    else if (kind === "TRANS_STMT_COMMIT" || kind === "TRANS_STMT_ROLLBACK" || kind === "TRANS_STMT_PREPARE") open = false;
  }
  if (open) return { kind: "refuse", error: OPEN_ACROSS_QUERIES };

  if (statements.length > 1) return { kind: "submit" };
  const [only] = statements;
  const node = only.node as Node;
  switch (only.type) {
    case "TransactionStmt": {
      const kind = String(node.kind);
      // Outside a transaction PostgreSQL itself answers these with a warning: every earlier
      // query has already committed, so that is exactly the state of this connection.
      if (kind === "TRANS_STMT_COMMIT") return { kind: "local", tag: "COMMIT", notice: NO_TRANSACTION };
      if (kind === "TRANS_STMT_ROLLBACK") return { kind: "local", tag: "ROLLBACK", notice: NO_TRANSACTION };
      if (kind === "TRANS_STMT_SAVEPOINT" || kind === "TRANS_STMT_RELEASE" || kind === "TRANS_STMT_ROLLBACK_TO") {
        return { kind: "refuse", error: { code: "25P01", message: `${kind === "TRANS_STMT_SAVEPOINT" ? "SAVEPOINT" : kind === "TRANS_STMT_RELEASE" ? "RELEASE SAVEPOINT" : "ROLLBACK TO SAVEPOINT"} can only be used in transaction blocks` } };
      }
      return { kind: "submit" }; // COMMIT PREPARED and friends act on the database: Countersign decides
    }
    case "VariableSetStmt":
      return classifySet(node);
    case "DiscardStmt":
      return { kind: "local", tag: `DISCARD ${String(node.target).replace(/^DISCARD_/, "")}`, forget: "all" };
    case "DeallocateStmt":
      return node.isall ? { kind: "local", tag: "DEALLOCATE ALL", forget: "all" } : { kind: "local", tag: "DEALLOCATE", forget: String(node.name) };
    case "PrepareStmt":
      return { kind: "refuse", error: sessionState("PREPARE") };
    case "DeclareCursorStmt":
      return { kind: "refuse", error: sessionState("A cursor") };
    case "UnlistenStmt":
      return { kind: "local", tag: "UNLISTEN" };
    default:
      return { kind: "submit" };
  }
}

function classifySet(node: Node): Classified {
  const kind = String(node.kind);
  const name = typeof node.name === "string" ? node.name.toLowerCase() : "";
  const tag = kind === "VAR_RESET" || kind === "VAR_RESET_ALL" ? "RESET" : "SET";
  if (kind === "VAR_RESET_ALL") return { kind: "local", tag };
  const value = firstStringArg(node);
  if (name === "client_encoding" && (kind !== "VAR_SET_VALUE" || (value !== null && UTF8.test(value)))) {
    return { kind: "local", tag, parameter: ["client_encoding", "UTF8"] };
  }
  if (CLIENT_SETTINGS.has(name)) {
    return { kind: "local", tag, ...(name === "application_name" ? { parameter: ["application_name", kind === "VAR_SET_VALUE" ? (value ?? "") : ""] as [string, string] } : {}) };
  }
  if (name === "client_encoding") return { kind: "refuse", error: { code: "22023", message: "Countersign's proxy speaks UTF8 only." } };
  return { kind: "refuse", error: sessionState(`SET ${name || "…"}`) };
}

function firstStringArg(node: Node): string | null {
  const args = node.args as Array<{ A_Const?: { sval?: { sval?: string }; ival?: { ival?: number } } }> | undefined;
  const c = args?.[0]?.A_Const;
  if (c?.sval?.sval !== undefined) return c.sval.sval;
  if (c?.ival) return String(c.ival.ival ?? 0);
  return null;
}
