// The operation digest bound into every grant: `sha256:` + unpadded base64url of SHA-256 over the
// UTF-8 bytes of the operation's RFC 8785 (JCS) canonical JSON. Executors recompute it from what
// they are about to run, so it must be reproducible by any conforming JCS implementation.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { AppError } from "../errors";

export const OPERATION_DIGEST_PATTERN = /^sha256:[A-Za-z0-9_-]{43}$/;
// In a /u regex a surrogate pair is one code point, so \p{Cs} matches only an unpaired surrogate.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Refuses values that have no single RFC 8785 form: non-finite numbers, bigints, functions,
 * symbols, and strings with unpaired surrogates (not I-JSON, and UTF-8 encoding would silently
 * turn them into U+FFFD, so two different operations could share a digest).
 */
function assertCanonicalizable(value: unknown, path: string): void {
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) throw notJson(path, "contains an unpaired UTF-16 surrogate");
      return;
    case "number":
      if (!Number.isFinite(value)) throw notJson(path, "is not a finite number");
      return;
    case "boolean":
      return;
    case "undefined":
      if (path === "operation") throw notJson(path, "is undefined");
      return; // dropped from objects (and null in arrays), exactly as JSON.stringify does
    case "bigint":
    case "function":
    case "symbol":
      throw notJson(path, `is a ${typeof value}, not JSON`);
  }
  if (value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertCanonicalizable(item, `${path}[${i}]`));
    return;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    assertCanonicalizable((value as { toJSON: () => unknown }).toJSON(), path);
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (LONE_SURROGATE.test(key)) throw notJson(`${path}.${key}`, "has a key with an unpaired UTF-16 surrogate");
    assertCanonicalizable(item, `${path}.${key}`);
  }
}

function notJson(field: string, message: string): AppError {
  return new AppError("validation_failed", `${field} ${message}.`, [{ field, message }]);
}

/** The RFC 8785 canonical JSON text of a value. */
export function canonicalJson(value: unknown): string {
  assertCanonicalizable(value, "operation");
  const text = canonicalize(value);
  if (text === undefined) throw notJson("operation", "is not JSON");
  return text;
}

/** `sha256:` + base64url-unpadded(SHA-256(UTF-8(RFC 8785 canonical JSON))). */
export function operationDigest(operation: unknown): string {
  const digest = createHash("sha256").update(canonicalJson(operation), "utf8").digest("base64url");
  return `sha256:${digest}`;
}
