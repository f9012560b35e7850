// Where to send someone after sign-in. Only same-origin relative paths are followed; anything
// that a browser could read as another origin (`//host`, `/\host`, encoded backslashes, schemes,
// control characters that browsers strip) lands on the fallback instead.
const BASE = "http://countersign.invalid";
const MAX_LENGTH = 2048;

/** Decodes percent-escapes repeatedly (bounded) so `/%255Cevil` is seen for what it becomes. */
function fullyDecoded(value: string): string | null {
  let current = value;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return null;
}

export function safeReturnPath(input: unknown, fallback = "/"): string {
  if (typeof input !== "string" || input.length === 0 || input.length > MAX_LENGTH) return fallback;
  // Browsers drop tabs and newlines inside URLs, so "/\t/evil" would become "//evil".
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(input)) return fallback;
  if (!input.startsWith("/") || input.startsWith("//")) return fallback;
  const decoded = fullyDecoded(input);
  if (decoded === null) return fallback;
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(decoded) || decoded.startsWith("//") || !decoded.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(input, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // The sign-in page itself is no destination.
  if (url.pathname === "/signin" || url.pathname.startsWith("/api/auth")) return fallback;
  return path.startsWith("//") ? fallback : path;
}
