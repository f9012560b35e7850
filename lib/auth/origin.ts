// Cross-site request refusal for every state-changing reviewer action. Next.js already compares a
// server action's Origin with its Host, but lets requests without an Origin through; this check
// also wants an Origin, and honours Sec-Fetch-Site when the browser sends it.
import { AppError } from "../errors";

/** The origins this app answers on: the public URL, and the host the request was addressed to. */
export function ownOrigins(headers: Headers, publicUrl: string): string[] {
  const origins = [new URL(publicUrl).origin];
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
  if (host) {
    const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || new URL(publicUrl).protocol.replace(":", "");
    for (const scheme of new Set([proto, "http", "https"])) {
      try {
        origins.push(new URL(`${scheme}://${host}`).origin);
      } catch {
        // a malformed Host header matches nothing
      }
    }
  }
  return origins;
}

export function isSameOrigin(headers: Headers, publicUrl: string): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return false;
  const origin = headers.get("origin");
  if (!origin || origin === "null") return false;
  return ownOrigins(headers, publicUrl).includes(origin);
}

export function assertSameOriginHeaders(headers: Headers, publicUrl: string): void {
  if (!isSameOrigin(headers, publicUrl)) {
    throw new AppError("cross_site_request", "This action must come from a Countersign page on this site; cross-site requests are refused.");
  }
}
