// RFC 9457 problem details: the one place errors become HTTP responses.
import { AppError, DATABASE_RETRY_AFTER_SECONDS, ERROR_STATUS, isAppError, isDatabaseUnavailable, isUniqueViolation, type ErrorCode } from "../errors";
import { log } from "../log";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const TITLES: Partial<Record<ErrorCode, string>> = {
  validation_failed: "The request is not valid",
  bad_request: "Bad request",
  unauthenticated: "Authentication required",
  invalid_api_key: "Invalid API key",
  grant_invalid: "Invalid grant",
  grant_expired: "Grant expired",
  forbidden: "Forbidden",
  missing_scope: "Missing scope",
  environment_not_allowed: "Environment not allowed for this agent",
  resource_not_allowed: "Resource not allowed for this agent",
  agent_disabled: "Agent disabled",
  agent_quarantined: "Agent quarantined",
  owner_cannot_approve: "An agent's owner cannot approve its requests",
  passkey_required: "A passkey must confirm this approval",
  role_required: "Role required",
  cross_site_request: "Cross-site request refused",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  already_exists: "Already exists",
  request_already_decided: "Request already decided",
  already_reviewed: "Already reviewed",
  grant_already_redeemed: "Grant already redeemed",
  grant_revoked: "Grant revoked",
  grant_not_redeemed: "Grant not redeemed",
  grant_request_mismatch: "Grant does not match its request",
  not_executable: "Not run by Countersign's executor",
  resource_not_registered: "Resource not registered",
  idempotency_key_reused: "Idempotency key reused with a different body",
  digest_mismatch: "Operation does not match the grant",
  confirmation_required: "Typed confirmation required",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  internal: "Internal server error",
  unavailable: "Service unavailable",
  database_unavailable: "Database unavailable",
};

export function problemType(code: ErrorCode): string {
  return `urn:countersign:problem:${code}`;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: { field: string; message: string }[];
}

export function toProblem(error: unknown, instance?: string): ProblemDetails {
  if (isAppError(error)) {
    return {
      type: problemType(error.code),
      title: TITLES[error.code] ?? error.code,
      status: error.status,
      detail: error.message,
      code: error.code,
      ...(instance ? { instance } : {}),
      ...(error.errors?.length ? { errors: error.errors } : {}),
    };
  }
  // A unique violation no domain function turned into its own error still says what happened:
  // the thing exists already (409), without naming the table or constraint.
  if (isUniqueViolation(error)) {
    return {
      type: problemType("conflict"),
      title: TITLES.conflict!,
      status: ERROR_STATUS.conflict,
      detail: "This conflicts with something that already exists.",
      code: "conflict",
      ...(instance ? { instance } : {}),
    };
  }
  // The database down, restarting or out of connections is a moment to wait, not a bug: 503 with
  // Retry-After (problemResponse), so clients retry instead of giving up.
  if (isDatabaseUnavailable(error)) {
    log.warn("database unavailable", { err: error, instance });
    return {
      type: problemType("database_unavailable"),
      title: TITLES.database_unavailable!,
      status: ERROR_STATUS.database_unavailable,
      detail: `The database is not answering right now; try again in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
      code: "database_unavailable",
      ...(instance ? { instance } : {}),
    };
  }
  log.error("unhandled error", { err: error, instance });
  return {
    type: problemType("internal"),
    title: TITLES.internal!,
    status: ERROR_STATUS.internal,
    detail: "Something went wrong on our side. The error has been logged.",
    code: "internal",
    ...(instance ? { instance } : {}),
  };
}

export function problemResponse(error: unknown, instance?: string): Response {
  const problem = toProblem(error, instance);
  const headers: Record<string, string> = { "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store" };
  if (isAppError(error) && error.headers) Object.assign(headers, error.headers);
  if (problem.status === 401) headers["www-authenticate"] ??= 'Bearer realm="countersign"';
  if (problem.status === 503) headers["retry-after"] ??= String(DATABASE_RETRY_AFTER_SECONDS);
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}

export { AppError };
