// GET/POST /api/auth/* — next-auth's own endpoints (OIDC redirects and callbacks, session, CSRF).
import { NextRequest } from "next/server";
import { handlers } from "@/auth";

/**
 * Next.js addresses route handlers' request URLs to the server's own hostname (`localhost` here);
 * next-auth derives its redirects and OIDC callback URLs from that URL. Use the host the browser
 * actually asked for — as next-auth's server actions do (`trustHost`) — so cookies and redirects
 * agree. (Next.js also rewrites 127.0.0.1 to localhost in request URLs, so use a name locally.)
 */
function addressedAsRequested(request: NextRequest): NextRequest {
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host");
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (!host) return request;
  const url = new URL(request.url);
  let wanted: URL;
  try {
    wanted = new URL(`${proto ? `${proto}:` : url.protocol}//${host}`);
  } catch {
    return request;
  }
  if (wanted.origin === url.origin) return request;
  return new NextRequest(`${wanted.origin}${url.pathname}${url.search}`, request);
}

export function GET(request: NextRequest) {
  return handlers.GET(addressedAsRequested(request));
}

export function POST(request: NextRequest) {
  return handlers.POST(addressedAsRequested(request));
}
