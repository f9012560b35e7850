// The grant token: a compact JWS (EdDSA / Ed25519) binding one approved request to one exact
// operation digest, audience (resource) and environment for five minutes. Needs no database, so
// executors and the CLI can verify grants from the published keys alone.
import { randomBytes, type KeyObject } from "node:crypto";
import {
  SignJWT,
  createLocalJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";
import { OPERATION_DIGEST_PATTERN as DIGEST_PATTERN } from "./digest";

export const GRANT_ALG = "EdDSA";
export const GRANT_TYP = "countersign-grant+jwt";
/** The longest a grant can live. Retired public keys stay published this long after retirement. */
export const GRANT_TTL_SECONDS = 300;
/**
 * Seconds a grant's nbf may lie ahead of the verifier's clock: grants are minted on the
 * database's clock, which may run a little ahead of the app's or an executor's.
 */
export const GRANT_NOT_BEFORE_TOLERANCE_SECONDS = 5;

export interface GrantClaims {
  /** Countersign's public URL (COUNTERSIGN_URL). */
  iss: string;
  /** The resource the operation targets. */
  aud: string;
  /** The environment the operation targets. */
  env: string;
  /** The agent the grant was issued to. */
  sub: string;
  /** 128 random bits, base64url: the grant's id and single-use key. */
  jti: string;
  iat: number;
  /** Decision time (same as iat). */
  nbf: number;
  exp: number;
  /** The request id. */
  req: string;
  /** The operation digest (`sha256:…`). */
  op: string;
  /** Reviewer ids whose approvals produced the grant; empty when policy allowed it. */
  approvers: string[];
}

/** A private signing key, as returned by the key store. */
export interface GrantSigningKey {
  kid: string;
  privateKey: KeyObject;
}

export interface GrantInput {
  issuer: string;
  /** The resource (`aud`). */
  audience: string;
  environment: string;
  agentId: string;
  requestId: string;
  operationDigest: string;
  approvers: readonly string[];
  /** Decision time: becomes iat and nbf (whole seconds, rounded down). */
  issuedAt: Date;
  /** Lifetime in seconds, 1..GRANT_TTL_SECONDS; default GRANT_TTL_SECONDS. */
  ttlSeconds?: number;
  /** Defaults to 128 fresh random bits. */
  jti?: string;
}

export interface SignedGrant {
  token: string;
  claims: GrantClaims;
}

export function newGrantId(): string {
  return randomBytes(16).toString("base64url");
}

/** Signs a grant. The protected header is exactly `{alg: "EdDSA", typ, kid}`. */
export async function signGrant(input: GrantInput, key: GrantSigningKey): Promise<SignedGrant> {
  const ttl = input.ttlSeconds ?? GRANT_TTL_SECONDS;
  // A longer grant would outlive its key's place in the JWKS after rotation.
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > GRANT_TTL_SECONDS) {
    throw new RangeError(`Grant lifetime must be a whole number of seconds from 1 to ${GRANT_TTL_SECONDS}.`);
  }
  if (!DIGEST_PATTERN.test(input.operationDigest)) {
    throw new TypeError("operationDigest must be `sha256:` followed by 43 base64url characters.");
  }
  const issuedAtMs = input.issuedAt.getTime();
  if (!Number.isFinite(issuedAtMs)) throw new TypeError("issuedAt must be a valid Date.");
  const iat = Math.floor(issuedAtMs / 1000);
  const claims: GrantClaims = {
    iss: input.issuer,
    aud: input.audience,
    env: input.environment,
    sub: input.agentId,
    jti: input.jti ?? newGrantId(),
    iat,
    nbf: iat,
    exp: iat + ttl,
    req: input.requestId,
    op: input.operationDigest,
    approvers: [...input.approvers],
  };
  // Claims are set on the payload directly (not through the setters) so jose adds nothing.
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: GRANT_ALG, typ: GRANT_TYP, kid: key.kid })
    .sign(key.privateKey);
  return { token, claims };
}

export type GrantVerificationCode =
  | "grant_expired"
  | "grant_invalid"
  | "grant_wrong_audience"
  | "grant_wrong_environment";

export class GrantVerificationError extends Error {
  override name = "GrantVerificationError";
  constructor(
    readonly code: GrantVerificationCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isGrantVerificationError(error: unknown): error is GrantVerificationError {
  return error instanceof Error && error.name === "GrantVerificationError" && typeof (error as GrantVerificationError).code === "string";
}

export interface VerifyGrantSignatureOptions {
  /** The published keys: a jose key set (createLocalJWKSet / createRemoteJWKSet) or a JWKS document. */
  jwks: JWTVerifyGetKey | JSONWebKeySet;
  /** Expected `iss`: Countersign's public URL. */
  issuer: string;
  now?: Date;
  /** Seconds of clock skew tolerated on exp (default 0) and on nbf, beyond GRANT_NOT_BEFORE_TOLERANCE_SECONDS. */
  clockToleranceSeconds?: number;
}

export interface VerifyGrantOptions extends VerifyGrantSignatureOptions {
  /** Expected `aud`: the resource, from the verifier's own configuration. */
  audience: string;
  /** Expected `env`, from the verifier's own configuration. */
  environment: string;
}

function invalid(message: string, cause?: unknown): GrantVerificationError {
  return new GrantVerificationError("grant_invalid", message, { cause });
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/**
 * What an executor calls: the claims of a grant that is signed by a published key, is exactly
 * EdDSA / countersign-grant+jwt, comes from `issuer`, is within its lifetime, and names this
 * executor's own resource and environment. Throws GrantVerificationError; failures to fetch a
 * remote key set are rethrown as they are (they are not the grant's fault).
 */
export async function verifyGrantToken(token: string, options: VerifyGrantOptions): Promise<GrantClaims> {
  return verify(token, options, { audience: options.audience, environment: options.environment });
}

/**
 * Everything verifyGrantToken checks except `aud` and `env`. For Countersign itself, which holds
 * no resource of its own and checks a grant against its stored request instead.
 */
export async function verifyGrantSignature(token: string, options: VerifyGrantSignatureOptions): Promise<GrantClaims> {
  return verify(token, options, {});
}

async function verify(
  token: string,
  options: VerifyGrantSignatureOptions,
  expect: { audience?: string; environment?: string },
): Promise<GrantClaims> {
  if (typeof token !== "string" || token.split(".").length !== 3) throw invalid("The grant is not a compact JWS.");
  // Checked before any key lookup: exactly our alg and typ (not even the `application/` spelling), and a kid.
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw invalid("The grant's header cannot be decoded.", error);
  }
  if (header.alg !== GRANT_ALG) throw invalid(`The grant's alg must be ${GRANT_ALG}.`);
  if (header.typ !== GRANT_TYP) throw invalid(`The grant's typ must be ${GRANT_TYP}.`);
  if (typeof header.kid !== "string" || header.kid === "") throw invalid("The grant has no kid.");

  const keys = typeof options.jwks === "function" ? options.jwks : createLocalJWKSet(options.jwks);
  const skew = options.clockToleranceSeconds ?? 0;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      algorithms: [GRANT_ALG],
      typ: GRANT_TYP,
      issuer: options.issuer,
      audience: expect.audience,
      currentDate: options.now,
      clockTolerance: skew + GRANT_NOT_BEFORE_TOLERANCE_SECONDS,
      requiredClaims: ["iss", "aud", "env", "sub", "jti", "iat", "nbf", "exp", "req", "op", "approvers"],
    }));
  } catch (error) {
    throw mapJoseError(error);
  }
  // The tolerance above is for nbf; a grant expires on time, give or take the caller's own skew.
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (typeof payload.exp === "number" && payload.exp <= nowSeconds - skew) {
    throw new GrantVerificationError("grant_expired", "The grant has expired.");
  }

  const claims = payload as Partial<GrantClaims>;
  if (typeof claims.aud !== "string") throw invalid("The grant's aud must be a single resource.");
  if (typeof claims.env !== "string") throw invalid("The grant's env claim is malformed.");
  if (expect.environment !== undefined && claims.env !== expect.environment) {
    throw new GrantVerificationError(
      "grant_wrong_environment",
      `The grant is for environment ${JSON.stringify(claims.env)}, not ${JSON.stringify(expect.environment)}.`,
    );
  }
  if (
    typeof claims.iss !== "string" ||
    typeof claims.sub !== "string" ||
    typeof claims.jti !== "string" ||
    typeof claims.req !== "string" ||
    typeof claims.op !== "string" ||
    !DIGEST_PATTERN.test(claims.op) ||
    !isStringArray(claims.approvers) ||
    typeof claims.iat !== "number" ||
    typeof claims.nbf !== "number" ||
    typeof claims.exp !== "number"
  ) {
    throw invalid("The grant's claims are malformed.");
  }
  return {
    iss: claims.iss,
    aud: claims.aud,
    env: claims.env,
    sub: claims.sub,
    jti: claims.jti,
    iat: claims.iat,
    nbf: claims.nbf,
    exp: claims.exp,
    req: claims.req,
    op: claims.op,
    approvers: claims.approvers,
  };
}

function mapJoseError(error: unknown): unknown {
  if (error instanceof joseErrors.JWTExpired) {
    return new GrantVerificationError("grant_expired", "The grant has expired.", { cause: error });
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud" && error.reason === "check_failed") {
      return new GrantVerificationError("grant_wrong_audience", "The grant is for another resource.", { cause: error });
    }
    if (error.claim === "nbf") return invalid("The grant is not valid yet.", error);
    return invalid(`The grant's ${error.claim} claim is ${error.reason === "missing" ? "missing" : "not accepted"}.`, error);
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return invalid("The grant was signed by a key that is not published.", error);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid("The grant's signature is invalid.", error);
  if (
    error instanceof joseErrors.JWSInvalid ||
    error instanceof joseErrors.JWTInvalid ||
    error instanceof joseErrors.JOSEAlgNotAllowed ||
    error instanceof joseErrors.JOSENotSupported ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys
  ) {
    return invalid("The grant is malformed or not acceptable.", error);
  }
  // Key-set fetch failures (timeouts, network, a malformed JWKS) are not the grant's fault.
  return error;
}
