// One error type for the domain. Each code maps to an HTTP status and a problem `type`;
// lib/http/problem.ts turns these into RFC 9457 problem details.
export const ERROR_STATUS = {
  validation_failed: 422,
  bad_request: 400,
  unauthenticated: 401,
  invalid_api_key: 401,
  grant_invalid: 401,
  grant_expired: 401,
  forbidden: 403,
  missing_scope: 403,
  environment_not_allowed: 403,
  resource_not_allowed: 403,
  agent_disabled: 403,
  agent_quarantined: 403,
  owner_cannot_approve: 403,
  passkey_required: 403,
  role_required: 403,
  cross_site_request: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  request_already_decided: 409,
  already_reviewed: 409,
  grant_already_redeemed: 409,
  grant_revoked: 409,
  grant_not_redeemed: 409,
  grant_request_mismatch: 409,
  not_executable: 409,
  resource_not_registered: 409,
  resource_kind_mismatch: 409,
  http_not_allowed: 403,
  private_network_refused: 403,
  idempotency_key_reused: 422,
  digest_mismatch: 422,
  confirmation_required: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  database_unavailable: 503,
} as const;

/** Seconds a client is told to wait (`Retry-After`) while the database is down or restarting. */
export const DATABASE_RETRY_AFTER_SECONDS = 3;
/** What a person is told when their action could not reach the database. */
export const DATABASE_UNAVAILABLE_MESSAGE = "The database is not answering right now; nothing was changed. Try again in a few seconds.";

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  /** JSON pointer-ish path to the offending field, e.g. `operation.sql`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  override name = "AppError";
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export function isAppError(error: unknown): error is AppError {
  // Duck-typed: Next.js bundles and the custom server may hold different copies of this class.
  return (
    error instanceof Error &&
    error.name === "AppError" &&
    typeof (error as AppError).code === "string" &&
    (error as AppError).code in ERROR_STATUS
  );
}

/**
 * A unique constraint refused the write: Prisma's P2002 (a model query), its P2010 for a raw
 * statement whose driver reported UniqueConstraintViolation, or SQLSTATE 23505 from the bare
 * driver (lib/db/raw.ts); whatever copy of the client threw it.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };
  if (code === "P2010") return meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
  return code === "P2002" || code === "23505";
}

// Socket errors (Node), PostgreSQL's SQLSTATEs for a server shutting down, starting up or refusing
// connections (57P01–57P03, class 08, 53300), Prisma's "can't reach / connection closed" codes, and
// the driver adapter's kinds for the same.
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const SQLSTATE_UNAVAILABLE = /^(57P0[123]|08[0-9A-Z]{3}|53300)$/;
// node-postgres reports a connection that went away mid-query with these messages and no code.
const DRIVER_MESSAGES = /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end on the pool|Can't reach database server)/;

/**
 * True when `error` says the database cannot be reached right now (down, restarting, refusing
 * connections, or the connection dropped), whichever layer threw it: pg, the Prisma driver adapter
 * or Prisma itself. Such a failure is the caller's cue to retry shortly, never an internal error.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const e = error as { code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
  if (typeof e.code === "string" && (SOCKET_CODES.has(e.code) || PRISMA_CODES.has(e.code) || SQLSTATE_UNAVAILABLE.test(e.code))) return true;
  if (typeof e.originalCode === "string" && SQLSTATE_UNAVAILABLE.test(e.originalCode)) return true;
  if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.message === "string" && DRIVER_MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}
