// Countersign's answers as PostgreSQL errors: one SQLSTATE per reason, so that a client (or the
// person reading psql) can tell a denial from a time-out from the database's own error.
import { isAppError } from "../../errors";
import type { RequestView } from "../../requests";

export interface PgError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

export const SQLSTATE = {
  /** A reviewer or policy denied the statement, or an approval was revoked. */
  denied: "42501", // insufficient_privilege
  /** No decision in time, the request expired, or the client cancelled while waiting. */
  noDecision: "57014", // query_canceled
  /** Something the proxy cannot do honestly: transactions across queries, session SET, COPY. */
  unsupported: "0A000", // feature_not_supported
  /** An answer larger than COUNTERSIGN_PG_PROXY_MAX_ROWS. */
  tooManyRows: "54000", // program_limit_exceeded
  /** The approved effect could not be held (effect_changed, precondition_failed): rolled back. */
  notAsApproved: "55000", // object_not_in_prerequisite_state
  rateLimited: "53400", // configuration_limit_exceeded
  resourceUnreachable: "08001", // sqlclient_unable_to_establish_sqlconnection
  invalidPassword: "28P01",
  invalidAuthorization: "28000",
  unknownDatabase: "3D000",
  protocolViolation: "08P01",
  internal: "XX000",
} as const;

const isSqlState = (code: string | undefined): code is string => typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);

/** A request that ended without running: denied, expired, withdrawn, revoked. */
export function undecidedError(view: RequestView, how: { timedOut?: number; cancelled?: boolean } = {}): PgError {
  const detail = `Countersign request ${view.id}: ${view.reviewUrl}`;
  switch (view.status) {
    case "denied":
      return { code: SQLSTATE.denied, message: `Countersign denied this statement: ${view.reason ?? "no reason given"}. Nothing ran.`, detail };
    case "revoked":
      return { code: SQLSTATE.denied, message: `Countersign: the approval was revoked${view.reason ? ` (${view.reason})` : ""}. Nothing ran.`, detail };
    case "expired":
      return { code: SQLSTATE.noDecision, message: "Countersign: the request expired before it was decided. Nothing ran.", detail };
    case "cancelled":
      if (how.cancelled) return { code: SQLSTATE.noDecision, message: "canceling statement due to user request: the Countersign request was withdrawn. Nothing ran.", detail };
      if (how.timedOut !== undefined) {
        return {
          code: SQLSTATE.noDecision,
          message: `Countersign: no decision within ${how.timedOut} s; the request was withdrawn. Nothing ran.`,
          detail,
          hint: "Send the statement again to ask again, once reviewers are available.",
        };
      }
      return { code: SQLSTATE.noDecision, message: "Countersign: the request was cancelled. Nothing ran.", detail };
    default:
      return { code: SQLSTATE.internal, message: `Countersign: the request is ${view.status}; this connection did not run it.`, detail };
  }
}

/** The executor's failure: the database's own SQLSTATE when it has one. */
export function executionError(error: string, code: string | undefined): PgError {
  if (isSqlState(code)) return { code, message: error };
  if (code === "effect_changed" || code === "precondition_failed") return { code: SQLSTATE.notAsApproved, message: error };
  return { code: SQLSTATE.internal, message: error };
}

const BY_STATUS: Record<number, string> = {
  400: "22023",
  403: SQLSTATE.denied,
  404: SQLSTATE.unknownDatabase,
  409: SQLSTATE.notAsApproved,
  413: SQLSTATE.tooManyRows,
  422: "22023",
  429: SQLSTATE.rateLimited,
  503: SQLSTATE.resourceUnreachable,
};

/** Countersign's own errors (AppError) by their HTTP status; anything else reveals nothing. */
export function appErrorToPg(error: unknown): PgError | null {
  if (!isAppError(error) || error.status >= 500 && error.status !== 503) return null;
  const fields = error.errors?.map((e) => `${e.field}: ${e.message}`).join("; ");
  return { code: BY_STATUS[error.status] ?? SQLSTATE.internal, message: `Countersign: ${error.message}`, ...(fields ? { detail: fields } : {}) };
}
