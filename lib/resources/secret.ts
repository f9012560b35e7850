// Connection URLs at rest: AES-256-GCM under a key derived (HKDF) from AUTH_SECRET, with the
// resource name as additional authenticated data, so an envelope copied onto another resource
// does not decrypt.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const ENVELOPE_VERSION = "v1";
const HKDF_INFO = "countersign resource-secret encryption v1";
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class ResourceSecretError extends Error {
  override name = "ResourceSecretError";
}

function envelopeKey(authSecret: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(authSecret, "utf8"), salt, HKDF_INFO, 32));
}

const aad = (name: string) => Buffer.from(`resource:${name}`, "utf8");

export function encryptSecret(plaintext: string, authSecret: string, name: string): string {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", envelopeKey(authSecret, salt), iv);
  cipher.setAAD(aad(name));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [ENVELOPE_VERSION, salt, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export function decryptSecret(envelope: string, authSecret: string, name: string): string {
  const parts = envelope.split(".");
  if (parts.length !== 5 || parts[0] !== ENVELOPE_VERSION) {
    throw new ResourceSecretError(`Resource ${name}: the stored connection URL is not a ${ENVELOPE_VERSION} envelope.`);
  }
  const [salt, iv, ciphertext, tag] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
  if (salt.length !== SALT_BYTES || iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length === 0) {
    throw new ResourceSecretError(`Resource ${name}: the stored connection URL envelope is malformed.`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", envelopeKey(authSecret, salt), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(name));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    // Never include the envelope or the secret: this message may reach a log.
    throw new ResourceSecretError(
      `Resource ${name}: the connection URL cannot be decrypted with this AUTH_SECRET. Every instance must use the ` +
        "AUTH_SECRET it was registered under; otherwise register the resource again.",
    );
  }
}
