// The custom server answers the agent API's busiest paths itself, with the same route functions the
// Next.js route modules export, before Next.js sees the request. Thousands of agents long-polling
// at once then cost a socket and a closure each instead of a full page-request context each, and
// a burst of them does not queue everything else behind Next.js's per-request work.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { createRequestRoute, readRequestRoute } from "../http/agent-routes";
import { healthResponse } from "./health";
import { problemResponse } from "../http/problem";
import { MAX_BODY_BYTES } from "../http/body";
import type { AgentRequest } from "../http/agent-handler";
import { tieToShutdown } from "./shutdown";

type Route = (req: AgentRequest, ctx: { params?: Promise<Record<string, string>> }) => Promise<Response>;

/** The headers next.config.mjs gives every /api response; test/server-lifecycle.test.ts checks they agree. */
export const API_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
};

const REQUEST_PATH = /^\/api\/v1\/requests\/([^/]+)$/;

/** The route for a request, or null to leave it to Next.js. */
function routeFor(method: string | undefined, pathname: string): { route: Route; params: Record<string, string> } | null {
  if (method === "POST" && pathname === "/api/v1/requests") return { route: createRequestRoute, params: {} };
  if (method === "GET" && pathname === "/api/health") return { route: () => healthResponse(), params: {} };
  if (method === "GET") {
    const match = REQUEST_PATH.exec(pathname);
    if (match) {
      let id: string;
      try {
        id = decodeURIComponent(match[1]);
      } catch {
        return null;
      }
      return { route: readRequestRoute, params: { id } };
    }
  }
  return null;
}

/** Answers `req` when it is one of the fast paths; returns false to leave it to Next.js. */
export function handleFastPath(req: IncomingMessage, res: ServerResponse): boolean {
  const raw = req.url ?? "/";
  if (!raw.startsWith("/api/")) return false;
  const queryAt = raw.indexOf("?");
  const matched = routeFor(req.method, queryAt === -1 ? raw : raw.slice(0, queryAt));
  if (!matched) return false;
  let url: URL;
  try {
    url = new URL(raw, `http://${req.headers.host ?? "localhost"}`);
  } catch {
    return false;
  }
  void answer(req, res, url, matched.route, matched.params);
  return true;
}

async function answer(req: IncomingMessage, res: ServerResponse, url: URL, route: Route, params: Record<string, string>): Promise<void> {
  // The client going away aborts the request's signal, as Next.js does: a long-poll stops waiting.
  // So does the server beginning to shut down (untilShutdown then needs no signal of its own).
  const gone = new AbortController();
  const release = tieToShutdown(gone);
  res.once("close", () => {
    release();
    if (!res.writableFinished) gone.abort();
  });
  try {
    // A bodiless GET (a read, a long-poll) is served from the Node request's own headers; a POST
    // gets a Web Request, whose body the route reads as a stream.
    const request: AgentRequest =
      req.method === "POST"
        ? new Request(url, { method: req.method, headers: webHeaders(req.headers), signal: gone.signal, ...(await bodyOf(req)) } as RequestInit)
        : { url: url.href, method: req.method ?? "GET", headers: headerView(req.headers), body: null, signal: gone.signal };
    await send(res, await route(request, { params: Promise.resolve(params) }));
  } catch (error) {
    // The route functions answer their own errors; this is for a failure around them.
    if (res.headersSent || res.destroyed) return void res.destroy();
    await send(res, problemResponse(error, url.pathname));
  }
}

function webHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

/** The Node request's headers read as Web Headers read them: by any case of name, repeated ones joined. */
function headerView(incoming: IncomingHttpHeaders): AgentRequest["headers"] {
  const value = (name: string) => {
    const key = name.toLowerCase();
    return Object.hasOwn(incoming, key) ? incoming[key] : undefined;
  };
  return {
    get(name) {
      const v = value(name);
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
    has: (name) => value(name) !== undefined,
  };
}

/**
 * A body that declares its length within the limit is read here into one buffer (a web stream
 * over the socket costs more than the JSON it carries); any other (chunked, or declared too large)
 * is passed on as a stream, so the route's own limit answers it exactly as it does under Next.js.
 */
async function bodyOf(req: IncomingMessage): Promise<{ body: Buffer | ReadableStream; duplex: "half" }> {
  const declared = Number(req.headers["content-length"] ?? "NaN");
  if (!Number.isSafeInteger(declared) || declared > MAX_BODY_BYTES) return { body: Readable.toWeb(req) as ReadableStream, duplex: "half" };
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return { body: Buffer.concat(chunks), duplex: "half" };
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  if (res.destroyed) return;
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  for (const [name, value] of Object.entries(API_HEADERS)) if (!res.hasHeader(name)) res.setHeader(name, value);
  res.setHeader("content-length", body.length);
  res.end(body);
}
