// Credentials never become part of an operation: an operation is stored, shown to reviewers, sent
// to Slack and kept in the audit log for good, and a credential in it would be exposed to all of
// them. Credentials belong in a registered resource, where the executor adds them. Pure.
import type { Operation } from "./schema";

export interface CredentialFound {
  /** Where, as a field path: `operation.headers.authorization`, `operation.sql`. */
  field: string;
  /** What, never the value: "a bearer token", "a password in a URL". */
  what: string;
}

const TEXT_PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, "a private key"],
  [/\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/i, "an Authorization credential (Bearer/Basic)"],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"'<>]+:[^\s/@"'<>]+@/i, "a password in a URL"],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/, "an AWS access key id"],
  [/\baws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+]{30,}/i, "an AWS secret access key"],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{20,}\b/, "a GitHub token"],
  [/\bglpat-[A-Za-z0-9_-]{20,}\b/, "a GitLab token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\b(?:sk|rk)_live_[0-9a-zA-Z]{16,}\b/, "a Stripe live key"],
  [/\bcsk_[A-Za-z0-9_-]{20,}/, "a Countersign agent key"],
  [/(?:^|[\s'"])password=[^\s'"]{3,}/i, "a password in a connection string"],
];

// Headers whose value is a credential whatever it looks like.
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token", "private-token", "x-access-token"]);

/** A bare 40-character cloud secret key (AWS style): mixed case and digits, not a hex digest. */
function bareCloudSecret(text: string): boolean {
  for (const match of text.matchAll(/(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g)) {
    const s = match[0];
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s) && !/^[0-9a-f]+$/i.test(s) && /[/+]/.test(s)) return true;
  }
  return false;
}

export function credentialIn(text: string): string | null {
  for (const [pattern, what] of TEXT_PATTERNS) if (pattern.test(text)) return what;
  return bareCloudSecret(text) ? "a cloud secret key" : null;
}

const MAX_STRINGS = 10_000;

/** The first credential found in the parts of an operation that run, or null. */
export function findCredential(operation: Operation): CredentialFound | null {
  let seen = 0;
  const walk = (value: unknown, field: string, depth: number): CredentialFound | null => {
    if (seen > MAX_STRINGS || depth > 64) return null;
    if (typeof value === "string") {
      seen++;
      const what = credentialIn(value);
      return what ? { field, what } : null;
    }
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) {
        const found = walk(v, `${field}[${i}]`, depth + 1);
        if (found) return found;
      }
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        const found = walk(v, `${field}.${k}`, depth + 1);
        if (found) return found;
      }
    }
    return null;
  };
  if (operation.kind === "http") {
    for (const name of Object.keys(operation.headers ?? {})) {
      if (CREDENTIAL_HEADERS.has(name.toLowerCase())) return { field: `operation.headers.${name}`, what: `a credential header (${name})` };
    }
  }
  const { target: _target, kind: _kind, ...parts } = operation;
  return walk(parts, "operation", 0);
}
