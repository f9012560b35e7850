// Webhook signing secrets. Countersign makes them (Standard Webhooks form: `whsec_` and 32 random
// bytes in base64), shows each once, and keeps it AES-256-GCM encrypted under a key derived (HKDF)
// from AUTH_SECRET, with the endpoint's id as additional data: an envelope copied onto another
// endpoint does not decrypt.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const ENVELOPE_VERSION = "v1";
const HKDF_INFO = "countersign webhook-secret encryption v1";
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class WebhookSecretError extends Error {
  override name = "WebhookSecretError";
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

function envelopeKey(authSecret: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(authSecret, "utf8"), salt, HKDF_INFO, 32));
}

const aad = (endpointId: string) => Buffer.from(`webhook:${endpointId}`, "utf8");

export function encryptWebhookSecret(secret: string, authSecret: string, endpointId: string): string {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", envelopeKey(authSecret, salt), iv);
  cipher.setAAD(aad(endpointId));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [ENVELOPE_VERSION, ...[salt, iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString("base64url"))].join(".");
}

export function decryptWebhookSecret(envelope: string, authSecret: string, endpointId: string): string {
  const parts = envelope.split(".");
  if (parts.length !== 5 || parts[0] !== ENVELOPE_VERSION) throw new WebhookSecretError(`Webhook ${endpointId}: the stored secret is not a ${ENVELOPE_VERSION} envelope.`);
  const [salt, iv, ciphertext, tag] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
  if (salt.length !== SALT_BYTES || iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length === 0) {
    throw new WebhookSecretError(`Webhook ${endpointId}: the stored secret's envelope is malformed.`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", envelopeKey(authSecret, salt), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(endpointId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new WebhookSecretError(`Webhook ${endpointId}: the secret cannot be decrypted with this AUTH_SECRET; remove the endpoint and add it again.`);
  }
}
