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
} as const;

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

/** Prisma's unique-constraint violation (P2002), whatever copy of the client threw it. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}
