// The client's network address, for counting failed authentication per source. The custom server
// (server.ts) resolves it from the socket, trusting `X-Forwarded-For` only as far as
// COUNTERSIGN_TRUSTED_PROXIES says, and hands it on in CLIENT_ADDRESS_HEADER, overwriting whatever
// a client sent under that name. Route handlers read it with clientAddress(). The headers a proxy
// uses to say which host and scheme a request was addressed to are believed under the same rule.
import { isIP } from "node:net";

export const CLIENT_ADDRESS_HEADER = "x-countersign-client-address";

/**
 * With `trustedProxies` = 0 the socket's peer is the client. With N, the last N hops (the socket's
 * peer and the N-1 entries nearest it in `X-Forwarded-For`) are proxies of ours, and the entry
 * before them is the client; entries further left were written by the client and are ignored.
 */
export function resolveClientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: number): string {
  const peer = normalise(socketAddress);
  if (trustedProxies <= 0) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "");
  const hops = [...header.split(",").map((s) => s.trim()).filter(Boolean), peer];
  const index = hops.length - 1 - trustedProxies;
  return normalise(hops[Math.max(index, 0)]);
}

/**
 * Headers that say which host, scheme and port the client addressed. Next.js and next-auth build
 * absolute URLs (redirects, callback URLs) and the allowed origins from them, so a client that is
 * not behind one of our proxies could otherwise point them at a host of its choosing.
 */
export const FORWARDED_ADDRESSING_HEADERS = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "forwarded"] as const;

/**
 * Removes the forwarded addressing headers unless the request came through a trusted proxy (with
 * `trustedProxies` = 0 the socket's peer is the client itself, so nothing it says about addressing
 * is believed). Next.js then fills in X-Forwarded-Host/-Proto/-Port from the connection itself.
 */
export function stripUntrustedForwardedHeaders(headers: Record<string, string | string[] | undefined>, trustedProxies: number): void {
  if (trustedProxies > 0) return;
  for (const name of FORWARDED_ADDRESSING_HEADERS) delete headers[name];
}

function normalise(address: string | undefined): string {
  if (!address) return "unknown";
  const plain = address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return isIP(plain) ? plain : "unknown";
}

/** The address server.ts resolved for this request ("unknown" when none was). */
export function clientAddress(headers: Pick<Headers, "get">): string {
  const value = headers.get(CLIENT_ADDRESS_HEADER)?.trim();
  return value && isIP(value) ? value : "unknown";
}
