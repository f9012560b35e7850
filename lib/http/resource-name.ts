/** A resource name from a path segment: a name with a slash arrives percent-encoded (`postgres%2Fmain`); a malformed escape names nothing. */
export function resourceName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
