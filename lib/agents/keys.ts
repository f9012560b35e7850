// Agent API keys: `csk_<16 hex lookup id>_<43 char base64url secret>`. Only SHA-256 of the whole
// key is stored (the key is 256 bits of randomness, so a fast hash is the right tool); lookups go
// by the public id and the hash is compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const KEY_PATTERN = /^csk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewKey {
  plaintext: string;
  lookupId: string;
  secretHash: string;
}

export function hashKey(plaintext: string): string {
  return createHash("sha256").update(plaintext).digest("hex");
}

export function generateKey(): NewKey {
  const lookupId = randomBytes(8).toString("hex");
  const plaintext = `csk_${lookupId}_${randomBytes(32).toString("base64url")}`;
  return { plaintext, lookupId, secretHash: hashKey(plaintext) };
}

/** The lookup id of a well-formed key, or null. */
export function parseKey(plaintext: string): string | null {
  return KEY_PATTERN.exec(plaintext)?.[1] ?? null;
}

export function keyMatches(plaintext: string, secretHash: string): boolean {
  const a = Buffer.from(hashKey(plaintext), "hex");
  const b = Buffer.from(secretHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
