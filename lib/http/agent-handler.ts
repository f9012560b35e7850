// The wrapper every agent route uses: authenticate the key, check the scope, parse the body with
// its schema, call one lib/ function, and turn any error into RFC 9457 problem details. Route
// modules import it through with-agent.ts (which marks it server-only); the custom server's fast
// path for the agent API (lib/server/fast-path.ts) imports it directly.
import type { z } from "zod";
import { db } from "../db";
import { AppError } from "../errors";
import { authenticateAgentKey, agentHasScope, type AuthenticatedAgent, type Scope } from "../agents";
import { recordAuthFailure, FAILURE_LIMIT, FAILURE_WINDOW_MS, type FailureKind } from "../auth/failures";
import { recordAudit } from "../audit";
import { fieldErrors, findNulCharacter } from "../validate";
import { readJsonBody } from "./body";
import { problemResponse } from "./problem";
import { RateLimiter } from "./rate-limit";
import { clientAddress } from "./client-address";
import type { PrismaClient } from "../db";

/**
 * What the agent routes read of a request: a Web Request, or the custom server's lighter view of
 * one it answers itself (lib/server/fast-path.ts), which spares each of thousands of waiting
 * long-polls a Request, its Headers and its signal.
 */
export interface AgentRequest {
  url: string;
  method: string;
  headers: Pick<Headers, "get" | "has">;
  body: ReadableStream<Uint8Array> | null;
  signal: AbortSignal;
}

export interface AgentContext<B, E = undefined> extends AuthenticatedAgent {
  prisma: PrismaClient;
  body: B;
  req: AgentRequest;
  params: Record<string, string>;
  url: URL;
  /** What the route's `early` read, if it has one. */
  early: Promise<E> | undefined;
}

type BodyOf<S extends z.ZodType | undefined> = S extends z.ZodType ? z.output<S> : undefined;

interface Options<S extends z.ZodType | undefined, E> {
  /** The scope the key's agent needs; with a list, any one of them. */
  scope: Scope | Scope[];
  body?: S;
  /** With a body schema: a request without a body is parsed as `{}` (all defaults). */
  bodyOptional?: boolean;
  /**
   * A read that needs the body but not the caller, sent while the key is being looked up so the
   * two database round trips overlap; the handler gets its promise as `early`. It must change
   * nothing: it also runs for a caller the key lookup then refuses, whose answer never sees it.
   */
  early?: (prisma: PrismaClient, body: BodyOf<S>) => Promise<E>;
  /**
   * The key lookup may wait a moment for company under load (see keyWithAgent): for the routes a
   * burst of thousands of agents calls at once and whose callers are not in a hurry.
   */
  gather?: boolean;
}

type RouteContext = { params?: Promise<Record<string, string>> };

// Per-key request budget and per-source lockout after repeated failed authentication. Shared
// through globalThis: the custom server's fast path and the Next.js bundles load this module
// separately, and a key must not get one budget in each.
const limits = globalThis as unknown as { __countersignAgentLimits?: { perKey: RateLimiter; lockedOut: Map<string, number> } };
const { perKey, lockedOut } = (limits.__countersignAgentLimits ??= { perKey: new RateLimiter(600, 60_000), lockedOut: new Map<string, number>() });

function bearer(req: AgentRequest): string | null {
  const header = req.headers.get("authorization");
  const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

function lockedOutError(until: number): AppError {
  return new AppError("rate_limited", "Too many failed attempts; try again later.", undefined, {
    "retry-after": String(Math.max(1, Math.ceil((until - Date.now()) / 1000))),
  });
}

/** Until when the source is locked out, if it is. */
function lockedOutUntil(source: string): number | null {
  const until = lockedOut.get(source);
  return until !== undefined && until > Date.now() ? until : null;
}

/**
 * The agent behind the request's key. A source locked out after repeated bad keys is refused with
 * 429 for bad keys only: a valid key from the same address (another agent behind the same NAT)
 * still works, so one misconfigured client cannot lock its neighbours out.
 */
export async function authenticateRequest(prisma: PrismaClient, req: AgentRequest, { gather = false }: { gather?: boolean } = {}): Promise<AuthenticatedAgent> {
  const source = clientAddress(req.headers);
  const token = bearer(req);
  if (!token) {
    const until = lockedOutUntil(source);
    if (until) throw lockedOutError(until);
    throw new AppError("invalid_api_key", "Send the agent's key as `Authorization: Bearer csk_…`.");
  }
  try {
    const authenticated = await authenticateAgentKey(prisma, token, { gather });
    const wait = perKey.hit(authenticated.key.id);
    if (wait) throw new AppError("rate_limited", "This key is sending too many requests.", undefined, { "retry-after": String(wait) });
    return authenticated;
  } catch (error) {
    if (error instanceof Error && (error as AppError).code === "invalid_api_key") await countAuthFailure(prisma, source, "api_key");
    throw error;
  }
}

/**
 * Counts a failed authentication (a bad key, a grant token that does not verify); past the limit
 * the source is locked out, and from then on its failures are answered 429 instead.
 */
export async function countAuthFailure(prisma: PrismaClient, source: string, kind: FailureKind): Promise<void> {
  const until = lockedOutUntil(source);
  const count = await recordAuthFailure(prisma, source, kind);
  if (count >= FAILURE_LIMIT) lockedOut.set(source, Date.now() + FAILURE_WINDOW_MS);
  if (until) throw lockedOutError(until);
}

/** Refuses (and audits) a caller whose agent holds none of the scopes; `call` says what was refused. */
export async function requireScope(
  prisma: PrismaClient,
  caller: AuthenticatedAgent,
  scope: Scope | Scope[],
  call: { method: string; path: string; tool?: string },
): Promise<void> {
  const scopes = Array.isArray(scope) ? scope : [scope];
  if (scopes.some((s) => agentHasScope(caller.agent, s))) return;
  await recordAudit(prisma, {
    type: "auth.refused",
    actor: { type: "agent", id: caller.agent.id },
    data: { reason: "missing_scope", scope: scopes.join("|"), ...call },
  });
  throw new AppError("missing_scope", `This key's agent lacks the ${scopes.join(" or ")} scope.`);
}

export function withAgent<S extends z.ZodType | undefined = undefined, E = undefined>(
  options: Options<S, E>,
  handler: (ctx: AgentContext<BodyOf<S>, E>) => Promise<Response>,
) {
  return async (req: AgentRequest, route: RouteContext = {}): Promise<Response> => {
    const url = new URL(req.url);
    try {
      const prisma = await db();
      // The body is read and checked while the key is looked up, unless the caller sent no key or
      // its address is locked out for bad ones. Nothing of it is answered or used before the key
      // is found good and its scope enough: until then a failure waits to be read.
      const eager = options.body !== undefined && bearer(req) !== null && lockedOutUntil(clientAddress(req.headers)) === null;
      const reading = eager ? readBody(req, options) : undefined;
      const early = reading && options.early ? reading.then((body) => options.early!(prisma, body)) : undefined;
      reading?.catch(() => undefined);
      early?.catch(() => undefined);
      const authenticated = await authenticateRequest(prisma, req, { gather: options.gather });
      await requireScope(prisma, authenticated, options.scope, { method: req.method, path: url.pathname });
      const body = await (reading ?? readBody(req, options));
      const late = !early && options.early ? options.early(prisma, body) : undefined;
      late?.catch(() => undefined);
      const params = (await route.params) ?? {};
      return await handler({ ...authenticated, prisma, body, req, params, url, early: early ?? late });
    } catch (error) {
      return problemResponse(error, url.pathname);
    }
  };
}

async function readBody<S extends z.ZodType | undefined, E>(req: AgentRequest, options: Options<S, E>): Promise<BodyOf<S>> {
  if (!options.body) return undefined as BodyOf<S>;
  const raw = options.bodyOptional && !hasBody(req) ? {} : await readJsonBody(req);
  const nul = findNulCharacter(raw);
  if (nul) throw new AppError("validation_failed", "The request body is not valid.", [{ field: nul, message: "contains a NUL character (\\u0000), which cannot be stored" }]);
  const parsed = options.body.safeParse(raw);
  if (!parsed.success) throw new AppError("validation_failed", "The request body is not valid.", fieldErrors(parsed.error));
  return parsed.data as BodyOf<S>;
}

function hasBody(req: AgentRequest): boolean {
  const length = req.headers.get("content-length");
  return req.headers.has("content-type") || req.headers.has("transfer-encoding") || (length !== null && length !== "0");
}

export function json(data: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(data), {
    ...init,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...(init.headers ?? {}) },
  });
}
