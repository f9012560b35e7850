// Ed25519 grant-signing keys. Stored in the database with the private key encrypted under a key
// derived from AUTH_SECRET, so every instance signs with the same key; or, when
// COUNTERSIGN_SIGNING_KEY is set, that one key and nothing else.
//
// A key's life, in stored mode:
//   published   created, in the JWKS, activatedAt in the future: not signing yet
//   active      activatedAt <= now and not retired: signs new grants
//   retired     retiredAt <= now: signs nothing, stays in the JWKS until retiredAt + GRANT_TTL_SECONDS
//   gone        dropped from the JWKS: every grant it signed has expired
// Rotation publishes the new key and schedules its activation KEY_ACTIVATION_DELAY_SECONDS later,
// retiring the current key at that same instant, so exactly one key is active at any time and
// verifiers that cache the JWKS have seen the new key before the first grant carries its kid.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import type { PrismaClient, RawTx, Tx } from "../db";
import { TX_OPTIONS } from "../db";
import type { Config } from "../env";
import type { Actor } from "../actors";
import { SYSTEM } from "../actors";
import { appendAudit } from "../audit";
import { AppError } from "../errors";
import { GRANT_TTL_SECONDS } from "./token";

/**
 * How long a rotated-in key is published before it signs. A verifier's copy of the JWKS can be as
 * old as the HTTP cache lifetime of /.well-known/jwks.json plus jose's 30 s refetch cooldown, so
 * this must exceed their sum (keep the JWKS response's max-age at 60 s or less).
 */
export const KEY_ACTIVATION_DELAY_SECONDS = 120;
// Serialises key creation and rotation across connections and instances.
const SIGNING_KEY_LOCK = 7_321_004_119;
const ENVELOPE_VERSION = "v1";
const HKDF_INFO = "countersign signing-key encryption v1";
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The public half of a signing key, exactly as published in the JWKS. Never carries `d`. */
export type PublicSigningJwk = {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
};

/**
 * A usable signing key. `privateKey` is a Node KeyObject, which serialises to `{}` with
 * JSON.stringify, so a key that slips into a log line or response body reveals nothing.
 */
export interface SigningKeyPair {
  kid: string;
  publicJwk: PublicSigningJwk;
  privateKey: KeyObject;
}

export class SigningKeyError extends Error {
  override name = "SigningKeyError";
}

/** The Ed25519 key pair of a private key: kid is its RFC 7638 JWK thumbprint. */
export async function signingKeyFromPrivateKey(privateKey: KeyObject): Promise<SigningKeyPair> {
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new SigningKeyError("A grant signing key must be an Ed25519 private key.");
  }
  const { x } = createPublicKey(privateKey).export({ format: "jwk" });
  if (typeof x !== "string") throw new SigningKeyError("Could not derive the public key.");
  const kid = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x }, "sha256");
  return { kid, publicJwk: { kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" }, privateKey };
}

export async function generateSigningKey(): Promise<SigningKeyPair> {
  return signingKeyFromPrivateKey(generateKeyPairSync("ed25519").privateKey);
}

/** Parses COUNTERSIGN_SIGNING_KEY: an Ed25519 private key, PKCS8 PEM (literal `\n` tolerated). */
export async function signingKeyFromPem(pem: string): Promise<SigningKeyPair> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem.replace(/\\n/g, "\n").trim(), format: "pem" });
  } catch {
    // The parser's message is dropped on purpose: nothing derived from the key text goes into errors.
    throw new SigningKeyError(
      "COUNTERSIGN_SIGNING_KEY is not a readable private key: expected an Ed25519 key in PKCS8 PEM " +
        "(`openssl genpkey -algorithm ed25519`).",
    );
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new SigningKeyError(
      `COUNTERSIGN_SIGNING_KEY is a ${privateKey.asymmetricKeyType ?? "unknown"} key; grants need an Ed25519 key ` +
        "(`openssl genpkey -algorithm ed25519`).",
    );
  }
  return signingKeyFromPrivateKey(privateKey);
}

function envelopeKey(authSecret: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(authSecret, "utf8"), salt, HKDF_INFO, 32));
}

// Binds a ciphertext to its row: an envelope copied onto another kid does not decrypt.
const aad = (kid: string) => Buffer.from(`countersign signing-key ${ENVELOPE_VERSION} ${kid}`, "utf8");

/**
 * Encrypts a private key (PKCS8 DER) with AES-256-GCM under HKDF-SHA256(AUTH_SECRET, salt, info).
 * Envelope: `v1.<salt>.<iv>.<ciphertext>.<tag>`, each part base64url, salt random per key.
 */
export function encryptPrivateKey(privateKey: KeyObject, authSecret: string, kid: string): string {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", envelopeKey(authSecret, salt), iv);
  cipher.setAAD(aad(kid));
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  const ciphertext = Buffer.concat([cipher.update(der), cipher.final()]);
  der.fill(0);
  return [ENVELOPE_VERSION, salt, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export function decryptPrivateKey(envelope: string, authSecret: string, kid: string): KeyObject {
  const parts = envelope.split(".");
  if (parts.length !== 5 || parts[0] !== ENVELOPE_VERSION) {
    throw new SigningKeyError(`Signing key ${kid}: the stored private key is not a ${ENVELOPE_VERSION} envelope.`);
  }
  const [salt, iv, ciphertext, tag] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
  if (salt.length !== SALT_BYTES || iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length === 0) {
    throw new SigningKeyError(`Signing key ${kid}: the stored private key envelope is malformed.`);
  }
  let der: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", envelopeKey(authSecret, salt), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid));
    decipher.setAuthTag(tag);
    der = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SigningKeyError(
      `Signing key ${kid} cannot be decrypted with this AUTH_SECRET. Every instance must use the AUTH_SECRET ` +
        "the key was created under (the quick start keeps it in the data folder's auth-secret file). If that " +
        "secret is lost, set COUNTERSIGN_SIGNING_KEY instead.",
    );
  }
  try {
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } finally {
    der.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration: COUNTERSIGN_SIGNING_KEY overrides the stored keys.

let environmentKey: { pem: string; pair: Promise<SigningKeyPair> } | undefined;

function configuredKey(cfg: Config): Promise<SigningKeyPair> | undefined {
  const pem = cfg.signingKeyPem;
  if (!pem) return undefined;
  if (environmentKey?.pem !== pem) environmentKey = { pem, pair: signingKeyFromPem(pem) };
  return environmentKey.pair;
}

// ---------------------------------------------------------------------------------------------
// Stored keys.

export interface KeyRow {
  kid: string;
  publicJwk: unknown;
  privateKeyEnc: string;
  activatedAt: Date | null;
  retiredAt: Date | null;
}

/** Picks only the public members, so nothing else a row might hold can reach the JWKS. */
function publicJwkOf(row: { kid: string; publicJwk: unknown }): PublicSigningJwk {
  const jwk = row.publicJwk as Partial<Record<string, unknown>> | null;
  if (!jwk || jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new SigningKeyError(`Signing key ${row.kid}: the stored public key is not an Ed25519 JWK.`);
  }
  return { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: row.kid, alg: "EdDSA", use: "sig" };
}

/**
 * The key that signs at `now`: the latest-activated key whose activation has come and that is not
 * retired. When none has started yet (the first key, created by a database clock slightly ahead of
 * this instance's), the earliest-scheduled one.
 */
function pickActive<T extends Pick<KeyRow, "activatedAt" | "retiredAt">>(rows: T[], now: Date): T | undefined {
  const live = rows.filter((r) => r.activatedAt && (!r.retiredAt || r.retiredAt > now));
  const started = live.filter((r) => r.activatedAt! <= now).sort((a, b) => +b.activatedAt! - +a.activatedAt!);
  return started[0] ?? live.sort((a, b) => +a.activatedAt! - +b.activatedAt!)[0];
}

/**
 * The stored keys that may sign at `at` (an SQL expression of a timestamptz), as one JSON array:
 * the request intake reads them with its other facts, so an approval by policy needs no query of
 * its own.
 */
export const liveKeysJsonSql = (at: string) => `(SELECT coalesce(json_agg(json_build_object('kid', k.kid, 'publicJwk', k.public_jwk, 'privateKeyEnc', k.private_key_enc,
                                                           'activatedAt', k.activated_at, 'retiredAt', k.retired_at)), '[]'::json)
     FROM signing_keys k
    WHERE k.activated_at IS NOT NULL AND (k.retired_at IS NULL OR k.retired_at > ${at}))`;

/** liveKeysJsonSql's result as key rows. */
export function liveKeyRowsFromJson(value: unknown): KeyRow[] {
  const rows = (typeof value === "string" ? JSON.parse(value) : value) as Array<Record<string, unknown>>;
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return rows.map((r) => ({
    kid: r.kid as string,
    publicJwk: r.publicJwk,
    privateKeyEnc: r.privateKeyEnc as string,
    activatedAt: date(r.activatedAt),
    retiredAt: date(r.retiredAt),
  }));
}

async function liveKeyRows(db: RawTx, now: Date): Promise<KeyRow[]> {
  const [row] = await db.$queryRawUnsafe<Array<{ keys: unknown }>>(`SELECT ${liveKeysJsonSql("$1::timestamptz")} AS keys`, now.toISOString());
  return liveKeyRowsFromJson(row.keys);
}

// Decrypted keys, by kid and secret. Safe to keep: a kid names one immutable key pair.
const decrypted = new Map<string, SigningKeyPair>();

function decryptRow(row: KeyRow, authSecret: string): SigningKeyPair {
  const cacheKey = `${row.kid}:${createHash("sha256").update(authSecret).digest("base64url")}`;
  const cached = decrypted.get(cacheKey);
  if (cached) return cached;
  const privateKey = decryptPrivateKey(row.privateKeyEnc, authSecret, row.kid);
  const publicJwk = publicJwkOf(row);
  const { x } = createPublicKey(privateKey).export({ format: "jwk" });
  if (x !== publicJwk.x) throw new SigningKeyError(`Signing key ${row.kid}: the private key does not match its public key.`);
  const pair = { kid: row.kid, publicJwk, privateKey };
  decrypted.set(cacheKey, pair);
  return pair;
}

/** The key that signs grants at `now`. Throws SigningKeyError when there is none or it cannot be decrypted. */
export async function activeSigningKey(db: RawTx, cfg: Config, now: Date): Promise<SigningKeyPair> {
  const configured = configuredKey(cfg);
  if (configured) return configured;
  return signingKeyOf(await liveKeyRows(db, now), cfg, now);
}

/** activeSigningKey, from the live key rows read already (liveKeysJsonSql at `now`). */
export async function signingKeyOf(rows: KeyRow[], cfg: Config, now: Date): Promise<SigningKeyPair> {
  const configured = configuredKey(cfg);
  if (configured) return configured;
  const row = pickActive(rows, now);
  if (!row) {
    throw new SigningKeyError("No active grant signing key: the server creates one at start-up (ensureSigningKey).");
  }
  return decryptRow(row, cfg.authSecret);
}

async function lockKeys(tx: Tx): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`);
}

async function databaseNow(tx: Tx): Promise<Date> {
  const [row] = await tx.$queryRawUnsafe<Array<{ now: Date }>>(`SELECT now() AS now`);
  return new Date(row.now);
}

export interface EnsureSigningKeyResult {
  kid: string;
  source: "environment" | "database";
  /** True when this call created the first stored key. */
  created: boolean;
}

/**
 * Start-up: makes sure a key can sign, creating and activating the first stored key when there is
 * none (one key however many instances start at once), and checks it decrypts with this
 * AUTH_SECRET, so a wrong secret stops start-up instead of the first approval.
 */
export async function ensureSigningKey(prisma: PrismaClient, cfg: Config): Promise<EnsureSigningKeyResult> {
  const configured = configuredKey(cfg);
  if (configured) return { kid: (await configured).kid, source: "environment", created: false };

  const { created, now } = await prisma.$transaction(async (tx) => {
    await lockKeys(tx);
    const now = await databaseNow(tx);
    const head = await tx.signingKey.findFirst({ where: { activatedAt: { not: null }, retiredAt: null }, select: { kid: true } });
    if (head) return { created: undefined, now };
    const key = await generateSigningKey();
    await tx.signingKey.create({
      data: {
        kid: key.kid,
        publicJwk: key.publicJwk,
        privateKeyEnc: encryptPrivateKey(key.privateKey, cfg.authSecret, key.kid),
        createdAt: now,
        activatedAt: now,
      },
    });
    await appendAudit(tx, {
      type: "keys.created",
      actor: SYSTEM,
      subject: { type: "signing_key", id: key.kid },
      data: { kid: key.kid, activatedAt: now.toISOString() },
    });
    return { created: key.kid, now };
  }, TX_OPTIONS);
  const active = await activeSigningKey(prisma, cfg, now);
  return { kid: active.kid, source: "database", created: created !== undefined };
}

export interface RotateSigningKeysOptions {
  actor: Actor;
  /** Seconds between publishing the new key and it signing; default KEY_ACTIVATION_DELAY_SECONDS. */
  activateAfterSeconds?: number;
}

export interface SigningKeyRotation {
  /** The new key: published now, signing from activatesAt. */
  kid: string;
  publishedAt: Date;
  activatesAt: Date;
  /** The key it replaces (null if none was active): signs until activatesAt, published until unpublishedAfter. */
  previousKid: string | null;
  previousRetiresAt: Date | null;
  previousUnpublishedAfter: Date | null;
}

/** Publishes a new signing key and schedules the switch to it. Audited as `keys.rotated`. */
export async function rotateSigningKeys(
  prisma: PrismaClient,
  cfg: Config,
  now: Date,
  { actor, activateAfterSeconds = KEY_ACTIVATION_DELAY_SECONDS }: RotateSigningKeysOptions,
): Promise<SigningKeyRotation> {
  if (cfg.signingKeyPem) {
    throw new AppError(
      "conflict",
      "COUNTERSIGN_SIGNING_KEY is set, so grants are signed with that key and stored keys are not used. " +
        "To rotate, replace COUNTERSIGN_SIGNING_KEY on every instance (grants signed with the old key then stop verifying).",
    );
  }
  if (!Number.isInteger(activateAfterSeconds) || activateAfterSeconds < 0 || activateAfterSeconds > 86_400) {
    throw new AppError("bad_request", "activateAfterSeconds must be a whole number of seconds from 0 to 86400.");
  }
  const key = await generateSigningKey();
  const privateKeyEnc = encryptPrivateKey(key.privateKey, cfg.authSecret, key.kid);
  const activatesAt = new Date(now.getTime() + activateAfterSeconds * 1000);

  return prisma.$transaction(async (tx) => {
    await lockKeys(tx);
    const live = await liveKeyRows(tx, now);
    const scheduled = live.find((r) => r.activatedAt! > now);
    if (scheduled) {
      throw new AppError(
        "conflict",
        `A rotation is already under way: key ${scheduled.kid} starts signing at ${scheduled.activatedAt!.toISOString()}.`,
      );
    }
    const previous = pickActive(live, now);
    if (previous) decryptRow(previous, cfg.authSecret); // refuse to rotate under a different AUTH_SECRET

    await tx.signingKey.create({
      data: { kid: key.kid, publicJwk: key.publicJwk, privateKeyEnc, createdAt: now, activatedAt: activatesAt },
    });
    if (previous) await tx.signingKey.update({ where: { kid: previous.kid }, data: { retiredAt: activatesAt } });

    const rotation: SigningKeyRotation = {
      kid: key.kid,
      publishedAt: now,
      activatesAt,
      previousKid: previous?.kid ?? null,
      previousRetiresAt: previous ? activatesAt : null,
      previousUnpublishedAfter: previous ? new Date(activatesAt.getTime() + GRANT_TTL_SECONDS * 1000) : null,
    };
    await appendAudit(tx, {
      type: "keys.rotated",
      actor,
      subject: { type: "signing_key", id: key.kid },
      data: { ...rotation },
    });
    return rotation;
  }, TX_OPTIONS);
}

/**
 * The JWKS at `now`: every key not yet retired (including published, not yet signing ones) and
 * every retired key that may still have an unexpired grant (now <= retiredAt + GRANT_TTL_SECONDS).
 */
export async function publicJwks(db: Tx, cfg: Config, now: Date): Promise<{ keys: PublicSigningJwk[] }> {
  const configured = configuredKey(cfg);
  if (configured) return { keys: [(await configured).publicJwk] };
  const lapsedBefore = new Date(now.getTime() - GRANT_TTL_SECONDS * 1000);
  const rows = await db.signingKey.findMany({
    where: { OR: [{ retiredAt: null }, { retiredAt: { gte: lapsedBefore } }] },
    select: { kid: true, publicJwk: true },
    orderBy: [{ createdAt: "desc" }, { kid: "asc" }],
  });
  return { keys: rows.map(publicJwkOf) };
}
