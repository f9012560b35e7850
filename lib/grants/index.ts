// Grants: the operation digest, signing keys, and the signed single-use token an executor redeems.
import type { RawTx, Tx } from "../db";
import { dbNow } from "../db/clock";
import type { Config } from "../env";
import { OPERATION_DIGEST_PATTERN } from "./digest";
import { activeSigningKey, publicJwks, type SigningKeyPair } from "./keys";
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
export async function mintGrant(tx: RawTx, cfg: Config, input: MintGrantInput): Promise<MintedGrant> {
  checkDigest(input.request);
  const grant = await signGrantWith(await activeSigningKey(tx, cfg, input.now), cfg, input);
  const params: unknown[] = [];
  await tx.$executeRawUnsafe(grantInsertSql(params, grant), ...params);
  return grant;
}

function checkDigest(request: MintGrantInput["request"]): void {
  if (!OPERATION_DIGEST_PATTERN.test(request.operationDigest)) {
    throw new TypeError("mintGrant: request.operationDigest is not a sha256 operation digest.");
  }
}

/** A grant signed and ready to store: what mintGrant returns, and what its row needs. */
export interface SignedGrant extends MintedGrant {
  requestId: string;
  kid: string;
  issuedAt: Date;
}

/** Signs the grant with `key` (activeSigningKey's or signingKeyOf's); store it with grantInsertSql. */
export async function signGrantWith(key: SigningKeyPair, cfg: Config, { request, approvers, now }: MintGrantInput): Promise<SignedGrant> {
  checkDigest(request);
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
  return { token, jti: claims.jti, expiresAt: new Date(claims.exp * 1000), requestId: request.id, kid: key.kid, issuedAt: new Date(claims.iat * 1000) };
}

/** The grant's INSERT, its values appended to `params` (so it can share a statement with others). */
export function grantInsertSql(params: unknown[], grant: SignedGrant): string {
  const $ = (value: unknown) => `$${params.push(value)}`;
  return `INSERT INTO grants (jti, request_id, kid, token, issued_at, expires_at)
          VALUES (${$(grant.jti)}, ${$(grant.requestId)}::uuid, ${$(grant.kid)}, ${$(grant.token)}, ${$(grant.issuedAt.toISOString())}::timestamptz, ${$(grant.expiresAt.toISOString())}::timestamptz)`;
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
