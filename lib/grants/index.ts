// Grants: the operation digest, signing keys, and the signed single-use token an executor redeems.
import type { RawTx, Tx } from "../db";
import { dbNow } from "../db/clock";
import type { Config } from "../env";
import { OPERATION_DIGEST_PATTERN } from "./digest";
import { activeSigningKey, publicJwks } from "./keys";
import { signGrant, verifyGrantSignature, type GrantClaims } from "./token";

export * from "./digest";
export * from "./keys";
export * from "./token";

export interface MintGrantInput {
  request: {
    id: string;
    agentId: string;
    environment: string;
    resource: string;
    operationDigest: string;
  };
  /** Reviewer ids whose approvals decided the request; empty when policy allowed it. */
  approvers: readonly string[];
  /** Decision time: the grant's iat and nbf; it expires GRANT_TTL_SECONDS later. */
  now: Date;
}

export interface MintedGrant {
  token: string;
  jti: string;
  expiresAt: Date;
}

/**
 * Signs the grant of an approved request with the active key and records it, inside the caller's
 * transaction (the caller writes the audit row). A request has at most one grant (unique requestId).
 */
export async function mintGrant(tx: RawTx, cfg: Config, { request, approvers, now }: MintGrantInput): Promise<MintedGrant> {
  if (!OPERATION_DIGEST_PATTERN.test(request.operationDigest)) {
    throw new TypeError("mintGrant: request.operationDigest is not a sha256 operation digest.");
  }
  const key = await activeSigningKey(tx, cfg, now);
  const { token, claims } = await signGrant(
    {
      issuer: cfg.publicUrl,
      audience: request.resource,
      environment: request.environment,
      agentId: request.agentId,
      requestId: request.id,
      operationDigest: request.operationDigest,
      approvers,
      issuedAt: now,
    },
    key,
  );
  // Stored times are the token's own (whole seconds), so "lapsed" means the same in both places.
  const issuedAt = new Date(claims.iat * 1000);
  const expiresAt = new Date(claims.exp * 1000);
  await tx.$executeRawUnsafe(
    `INSERT INTO grants (jti, request_id, kid, token, issued_at, expires_at) VALUES ($1, $2::uuid, $3, $4, $5::timestamptz, $6::timestamptz)`,
    claims.jti,
    request.id,
    key.kid,
    token,
    issuedAt.toISOString(),
    expiresAt.toISOString(),
  );
  return { token, jti: claims.jti, expiresAt };
}

/**
 * Countersign's own check of a presented grant (redemption): signed by one of this server's
 * published keys, exactly EdDSA / countersign-grant+jwt, issued by this server, within its
 * lifetime. `aud` and `env` are not compared here: the caller checks the grant against the stored
 * request, and executors check them against their own configuration. Throws GrantVerificationError.
 */
export async function verifyStoredGrant(db: Tx, cfg: Config, token: string, now?: Date): Promise<GrantClaims> {
  // The database's clock by default: it set the grant's iat and nbf, and it decides expiry.
  const at = now ?? (await dbNow(db));
  const jwks = await publicJwks(db, cfg, at);
  return verifyGrantSignature(token, { jwks, issuer: cfg.publicUrl, now: at });
}
