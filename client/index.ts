// Countersign client for agents and executors that live outside the app (proxies, tool runners,
// CI jobs). Deliberately standalone: only jose, zod, canonicalize and Node built-ins — no Next.js
// and nothing from the app — so it can be copied or published on its own.
//
//   const cs = new CountersignClient({ baseUrl: process.env.COUNTERSIGN_URL!, apiKey: process.env.COUNTERSIGN_API_KEY! });
//   const created = await cs.createRequest({ operation, summary }, { idempotencyKey });
//   const decided = await cs.waitForDecision(created.id);       // survives server restarts
//   if (decided.status === "approved") { await cs.redeemGrant(decided.grant!.token, operation); … }
//
//   const verifier = createGrantVerifier({ issuer: process.env.COUNTERSIGN_URL!, audience: "postgres/main", environment: "production" });
//   const claims = await verifier.verifyGrant(token, { operation });  // offline, from the cached JWKS
import { KeyObject, createHash, verify as verifySignature } from "node:crypto";
import canonicalize from "canonicalize";
import { createRemoteJWKSet, customFetch, errors as joseErrors, importJWK, type JWK, type CompactJWSHeaderParameters, type JWTVerifyGetKey } from "jose";
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Types and response shapes (checked loosely: unknown fields are kept, required ones must be there)

export const GRANT_ALG = "EdDSA";
export const GRANT_TYP = "countersign-grant+jwt";

/** Statuses a request can be in; `pending` and `cooling_down` are the only undecided ones. */
export type RequestStatus = "pending" | "cooling_down" | "approved" | "denied" | "expired" | "cancelled" | "revoked" | "executed" | "failed";
const UNDECIDED = new Set(["pending", "cooling_down"]);

export interface OperationTarget {
  environment: string;
  resource: string;
}
export type Operation =
  | { kind: "sql"; target: OperationTarget; sql: string }
  | { kind: "http"; target: OperationTarget; method: string; url: string; body?: unknown }
  | { kind: "shell"; target: OperationTarget; command: string; cwd?: string }
  | { kind: "custom"; target: OperationTarget; action: string; params?: unknown };

export interface CreateRequestBody {
  operation: Operation | Record<string, unknown>;
  summary?: string;
  context?: {
    reasoning?: string;
    prompt?: string;
    transcript?: { role: string; content: string }[];
    links?: string[];
    session?: string;
    [key: string]: unknown;
  };
  diff?: { format: "unified" | "text" | "json"; content: string };
  ttlSeconds?: number;
}

const FindingSchema = z.looseObject({ id: z.string(), level: z.string(), message: z.string() });
const RequestViewSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  environment: z.string().optional(),
  resource: z.string().optional(),
  kind: z.string().optional(),
  summary: z.string().optional(),
  operationDigest: z.string(),
  risk: z.looseObject({ level: z.string(), findings: z.array(FindingSchema) }),
  requiredApprovals: z.number(),
  approvals: z.number().optional(),
  reviewUrl: z.string(),
  createdAt: z.string().optional(),
  expiresAt: z.string(),
  decidedAt: z.string().nullable().optional(),
  grant: z.object({ token: z.string(), expiresAt: z.string() }).optional(),
  coolDownUntil: z.string().optional(),
  reason: z.string().optional(),
  outcome: z.looseObject({ status: z.string(), detail: z.string().nullable(), reportedAt: z.string().nullable() }).optional(),
});

export interface RequestView {
  id: string;
  status: RequestStatus | (string & {});
  environment?: string;
  resource?: string;
  kind?: string;
  summary?: string;
  operationDigest: string;
  risk: { level: string; findings: { id: string; level: string; message: string }[] };
  requiredApprovals: number;
  approvals?: number;
  reviewUrl: string;
  createdAt?: string;
  expiresAt: string;
  decidedAt?: string | null;
  /** Present while the request is approved and its grant is unused and unexpired. */
  grant?: { token: string; expiresAt: string };
  coolDownUntil?: string;
  /** Why it was denied (by a reviewer or by policy). */
  reason?: string;
  outcome?: { status: string; detail: string | null; reportedAt: string | null };
  [key: string]: unknown;
}

const RedemptionSchema = z.looseObject({
  requestId: z.string(),
  jti: z.string(),
  operationDigest: z.string(),
  operation: z.unknown(),
  environment: z.string(),
  resource: z.string(),
  redeemedAt: z.string(),
});
export type Redemption = z.infer<typeof RedemptionSchema>;

const ProblemSchema = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
  code: z.string().optional(),
  errors: z.array(z.looseObject({ field: z.string().optional(), message: z.string().optional() })).optional(),
});

/** An RFC 9457 problem details document, as the API sends it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: { field?: string; message?: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** A refusal from the API (4xx/5xx), carrying its problem details. */
export class CountersignError extends Error {
  override name = "CountersignError";
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: { field?: string; message?: string; [key: string]: unknown }[];
  readonly problem: Problem;
  /** From the response's `Retry-After` (a 503 while the database is down, a 429): how long to wait, ms. */
  readonly retryAfterMs: number | undefined;
  constructor(problem: Problem, status: number, retryAfterMs?: number) {
    const code = problem.code ?? `http_${status}`;
    const detail = problem.detail ?? problem.title ?? `HTTP ${status}`;
    super(`${detail} (${code})`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = problem.errors ?? [];
    this.problem = problem;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function isCountersignError(error: unknown): error is CountersignError {
  return error instanceof Error && error.name === "CountersignError" && typeof (error as CountersignError).status === "number";
}

// ---------------------------------------------------------------------------------------------
// The API client

export interface CountersignClientOptions {
  /** Countersign's URL (COUNTERSIGN_URL). */
  baseUrl: string;
  /** The agent's key, `csk_…`. */
  apiKey: string;
  fetch?: typeof globalThis.fetch;
  /** Reconnect back-off for waitForDecision (and idempotent creates): first and longest delay, ms. */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
}

export interface WaitOptions {
  /** Give up after this long and return the request as it then stands (still undecided). Default: no limit. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Called on every reconnect, e.g. to log it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

type Method = "GET" | "POST";

function isRetryable(error: unknown): boolean {
  if (isCountersignError(error)) return error.status >= 500 || error.status === 429 || error.status === 408;
  // fetch() rejects with a TypeError on refused/reset connections; the body read can fail mid-way too.
  return error instanceof Error && error.name !== "AbortError" && !(error instanceof z.ZodError);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class CountersignClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #initialDelay: number;
  readonly #maxDelay: number;

  constructor(options: CountersignClientOptions) {
    if (!options.apiKey) throw new TypeError("CountersignClient: apiKey is required.");
    if (!options.baseUrl) throw new TypeError("CountersignClient: baseUrl is required.");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#initialDelay = options.retry?.initialDelayMs ?? 250;
    this.#maxDelay = options.retry?.maxDelayMs ?? 5000;
  }

  async #call<T>(method: Method, path: string, schema: z.ZodType<T>, options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, accept: "application/json, application/problem+json", ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await this.#fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const problem = ProblemSchema.safeParse(parsed);
      throw new CountersignError(problem.success ? (problem.data as Problem) : { detail: text.slice(0, 200) || res.statusText }, res.status, parseRetryAfter(res.headers.get("retry-after")));
    }
    const checked = schema.safeParse(parsed);
    if (!checked.success) throw new CountersignError({ code: "unexpected_response", detail: `Unexpected response from ${method} ${path}: ${checked.error.message}` }, res.status);
    return checked.data;
  }

  /**
   * Back-off with jitter, capped; never sooner than the server's Retry-After (a 503 while its
   * database restarts), which is honoured up to a minute.
   */
  #delay(attempt: number, error?: unknown): number {
    const ceiling = Math.min(this.#maxDelay, this.#initialDelay * 2 ** Math.min(attempt, 16));
    const backoff = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    const asked = isCountersignError(error) ? error.retryAfterMs : undefined;
    return asked === undefined ? backoff : Math.max(backoff, Math.min(asked, 60_000));
  }

  /**
   * Asks to run an operation. With an idempotency key, network failures and 5xx are retried (the
   * server answers a repeat with the same response); without one, nothing is retried.
   */
  async createRequest(body: CreateRequestBody, options: { idempotencyKey?: string; signal?: AbortSignal } = {}): Promise<RequestView> {
    const headers: Record<string, string> = options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {};
    const attempts = options.idempotencyKey ? 4 : 1;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.#call("POST", "/api/v1/requests", RequestViewSchema, { body, headers, signal: options.signal })) as RequestView;
      } catch (error) {
        if (attempt + 1 >= attempts || !isRetryable(error) || options.signal?.aborted) throw error;
        await sleep(this.#delay(attempt, error), options.signal);
      }
    }
  }

  /** Reads a request; `wait` (1–60) long-polls until it leaves `pending`. */
  async getRequest(id: string, options: { wait?: number; signal?: AbortSignal } = {}): Promise<RequestView> {
    const query = options.wait ? `?wait=${Math.max(1, Math.min(60, Math.floor(options.wait)))}` : "";
    return (await this.#call("GET", `/api/v1/requests/${encodeURIComponent(id)}${query}`, RequestViewSchema, { signal: options.signal })) as RequestView;
  }

  /**
   * Waits until the request is decided (leaves `pending` and `cooling_down`) and returns it. Holds
   * a long poll open; on network errors or 5xx it reconnects with back-off. The state lives on the
   * server, so a server restart (or a move to another instance) loses nothing: the next read sees
   * the decision. With `timeoutSeconds`, returns the still-undecided request when time runs out.
   * Client errors (401, 403, 404, 422) are thrown as CountersignError.
   */
  async waitForDecision(id: string, options: WaitOptions = {}): Promise<RequestView> {
    const deadline = options.timeoutSeconds === undefined ? Infinity : Date.now() + options.timeoutSeconds * 1000;
    let failures = 0;
    let last: RequestView | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const remaining = Math.ceil((deadline - Date.now()) / 1000);
      if (remaining <= 0 && last) return last;
      const wait = Math.max(1, Math.min(60, remaining));
      // A guard against half-open connections: a long poll never legitimately lasts much longer than `wait`.
      const timeout = AbortSignal.timeout((wait + 15) * 1000);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      const started = Date.now();
      try {
        last = await this.getRequest(id, { wait, signal });
        failures = 0;
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const timedOut = timeout.aborted;
        if (!timedOut && !isRetryable(error)) throw error;
        const delay = this.#delay(failures++, error);
        options.onRetry?.(error, failures, delay);
        if (Date.now() + delay >= deadline) {
          if (last) return last;
          throw error; // never reached the server before the time ran out
        }
        await sleep(delay, options.signal);
        continue;
      }
      if (!UNDECIDED.has(last.status)) return last;
      // Cooling down (or a server that answered early): do not spin; sleep a little, or until the grant is due.
      const elapsed = Date.now() - started;
      if (elapsed < 1000) {
        const due = last.coolDownUntil ? Date.parse(last.coolDownUntil) - Date.now() : 0;
        const pause = Math.min(Math.max(1000 - elapsed, due > 0 ? Math.min(due + 100, 5000) : 0), Math.max(0, deadline - Date.now()));
        if (pause > 0) await sleep(pause, options.signal);
      }
    }
  }

  /** Spends a grant, once, for exactly this operation. 409 already redeemed or revoked; 422 other operation; 401 bad or expired. */
  async redeemGrant(token: string, operation: unknown, options: { signal?: AbortSignal } = {}): Promise<Redemption> {
    return this.#call("POST", "/api/v1/grants/redeem", RedemptionSchema, { body: { token, operation }, signal: options.signal });
  }

  /** Reports whether the redeemed operation ran. */
  async reportOutcome(id: string, status: "executed" | "failed", detail?: string, options: { signal?: AbortSignal } = {}): Promise<RequestView> {
    const body = detail === undefined ? { status } : { status, detail };
    return (await this.#call("POST", `/api/v1/requests/${encodeURIComponent(id)}/outcome`, RequestViewSchema, { body, signal: options.signal })) as RequestView;
  }

  /** Withdraws a pending request. */
  async cancel(id: string, options: { signal?: AbortSignal } = {}): Promise<RequestView> {
    return (await this.#call("POST", `/api/v1/requests/${encodeURIComponent(id)}/cancel`, RequestViewSchema, { signal: options.signal })) as RequestView;
  }
}

// ---------------------------------------------------------------------------------------------
// The operation digest — must equal the server's (lib/grants/digest.ts) byte for byte

// In a /u regex a surrogate pair is one code point, so \p{Cs} matches only an unpaired surrogate.
const LONE_SURROGATE = /\p{Cs}/u;

function assertCanonicalizable(value: unknown, path: string): void {
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) throw new TypeError(`${path} contains an unpaired UTF-16 surrogate.`);
      return;
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number.`);
      return;
    case "boolean":
      return;
    case "undefined":
      if (path === "operation") throw new TypeError("operation is undefined.");
      return;
    case "bigint":
    case "function":
    case "symbol":
      throw new TypeError(`${path} is a ${typeof value}, not JSON.`);
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
    if (LONE_SURROGATE.test(key)) throw new TypeError(`${path}.${key} has a key with an unpaired UTF-16 surrogate.`);
    assertCanonicalizable(item, `${path}.${key}`);
  }
}

/** RFC 8785 canonical JSON of an operation. */
export function canonicalJson(value: unknown): string {
  assertCanonicalizable(value, "operation");
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("operation is not JSON.");
  return text;
}

/** `sha256:` + unpadded base64url of SHA-256 over the RFC 8785 canonical JSON: what grants bind. */
export function operationDigest(operation: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(operation), "utf8").digest("base64url")}`;
}

// ---------------------------------------------------------------------------------------------
// Offline grant verification, for executors

export interface GrantClaims {
  iss: string;
  /** The resource. */
  aud: string;
  env: string;
  /** The agent the grant was issued to. */
  sub: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  /** The request id. */
  req: string;
  /** The operation digest. */
  op: string;
  approvers: string[];
}

const ClaimsSchema = z.object({
  iss: z.string(),
  aud: z.string(),
  env: z.string(),
  sub: z.string(),
  jti: z.string().min(1),
  iat: z.number(),
  nbf: z.number(),
  exp: z.number(),
  req: z.string().min(1),
  op: z.string().regex(/^sha256:[A-Za-z0-9_-]{43}$/),
  approvers: z.array(z.string()),
});

export type GrantRefusalCode =
  | "grant_invalid"
  | "grant_expired"
  | "grant_wrong_issuer"
  | "grant_wrong_audience"
  | "grant_wrong_environment"
  | "grant_wrong_operation";

/** A grant this executor must not act on. (Failure to fetch the JWKS is thrown as it is, not as this.) */
export class GrantVerificationError extends Error {
  override name = "GrantVerificationError";
  constructor(
    readonly code: GrantRefusalCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface GrantVerifierOptions {
  /** Expected `iss`: Countersign's public URL (COUNTERSIGN_URL), from this executor's configuration. */
  issuer: string;
  /** Expected `aud`: the resource this executor fronts — its own configuration, never the agent's claim. */
  audience: string;
  /** Expected `env`: this executor's environment — its own configuration, never the agent's claim. */
  environment: string;
  /** Where the public keys are published. Default: `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string | URL;
  /**
   * Seconds of clock skew tolerated on exp (default 0) and on nbf, beyond the 5 s always allowed
   * there: grants are minted on Countersign's database clock, which may run ahead of this one.
   */
  clockToleranceSeconds?: number;
  /** How long fetched keys are trusted before a refetch (ms, default 10 min). */
  cacheMaxAgeMs?: number;
  /**
   * After a fetch, how long an unknown `kid` does not cause another (ms, default 30 s). Countersign
   * publishes a rotated-in key well before it signs (120 s by default), so a verifier always has it in time.
   */
  refetchCooldownMs?: number;
  fetch?: typeof globalThis.fetch;
  /** A key set to use instead of fetching jwksUrl (for tests, or keys distributed out of band). */
  keySet?: JWTVerifyGetKey;
}

export interface GrantVerifier {
  /**
   * The grant's claims if it is signed by a published key, is exactly EdDSA and
   * countersign-grant+jwt, comes from the configured issuer, is in its lifetime, and names this
   * executor's resource and environment. With `operation`, also that it is for exactly that
   * operation (its digest is recomputed here). Throws GrantVerificationError.
   */
  verifyGrant(token: string, options?: { operation?: unknown; now?: Date }): Promise<GrantClaims>;
}

const REQUIRED_CLAIMS = ["iss", "aud", "env", "sub", "jti", "iat", "nbf", "exp", "req", "op", "approvers"] as const;
/** Seconds a grant's nbf may lie ahead of this clock, as Countersign's own check allows. */
const NOT_BEFORE_TOLERANCE_SECONDS = 5;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The signature step runs on node:crypto's synchronous Ed25519 verify. jose 6 verifies only through
 * WebCrypto's crypto.subtle.verify, whose hop to the thread pool and back alone costs about a
 * third of an Ed25519 verification; jose still fetches the JWKS, matches the kid and imports the
 * key. The KeyObject is derived once per imported key: jose hands back the same CryptoKey for as
 * long as its JWKS cache holds that JWK, so a key withdrawn from the JWKS (or re-published under
 * the same kid) stops being used at the next refetch, exactly as before.
 */
const verificationKeys = new WeakMap<object, KeyObject>();

/** The KeyObject for a key jose resolved: from the cache (no await) after the first verification with it. */
function cachedKeyObject(key: Awaited<ReturnType<JWTVerifyGetKey>>): KeyObject | Promise<KeyObject | undefined> | undefined {
  if (key instanceof Uint8Array) return undefined; // a shared secret: never a grant key
  return verificationKeys.get(key) ?? importKeyObject(key);
}

async function importKeyObject(key: Exclude<Awaited<ReturnType<JWTVerifyGetKey>>, Uint8Array>): Promise<KeyObject | undefined> {
  let keyObject: KeyObject;
  if (key instanceof KeyObject) keyObject = key;
  else if (isCryptoKey(key)) {
    if (key.type !== "public" || key.algorithm.name !== "Ed25519" || !key.usages.includes("verify")) return undefined;
    keyObject = KeyObject.from(key);
  } else {
    // A JWK object from a custom key set: jose imports it, as it would have.
    const imported = await importJWK(key as JWK, GRANT_ALG);
    if (!isCryptoKey(imported)) return undefined;
    keyObject = KeyObject.from(imported);
  }
  if (keyObject.type !== "public" || keyObject.asymmetricKeyType !== "ed25519") return undefined;
  verificationKeys.set(key, keyObject);
  return keyObject;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A base64url segment (alphabet already checked) holding a JSON object, or undefined. Decoded once per verification. */
function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, "base64url")));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof key === "object" && key !== null && Object.prototype.toString.call(key) === "[object CryptoKey]";
}

/**
 * An offline verifier for one executor's configuration. Keys come from the JWKS and are cached; a
 * grant signed by a key not yet seen (after a rotation) makes it refetch.
 */
export function createGrantVerifier(options: GrantVerifierOptions): GrantVerifier {
  for (const field of ["issuer", "audience", "environment"] as const) {
    if (typeof options[field] !== "string" || options[field] === "") throw new TypeError(`createGrantVerifier: ${field} is required.`);
  }
  // Countersign strips trailing slashes from COUNTERSIGN_URL before using it as `iss`.
  const issuer = options.issuer.replace(/\/+$/, "");
  const { audience, environment } = options;
  const fetchImpl = options.fetch;
  const keys: JWTVerifyGetKey =
    options.keySet ??
    createRemoteJWKSet(new URL(options.jwksUrl ?? `${issuer}/.well-known/jwks.json`), {
      cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: options.refetchCooldownMs ?? 30_000,
      ...(fetchImpl ? { [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init) } : {}),
    });
  const refuse = (code: GrantRefusalCode, message: string, cause?: unknown) => new GrantVerificationError(code, message, { cause });

  return {
    async verifyGrant(token, verifyOptions = {}) {
      // Three base64url segments and nothing else: the signing input below is then plain ASCII.
      if (typeof token !== "string" || !COMPACT_JWS.test(token)) throw refuse("grant_invalid", "The grant is not a compact JWS.");
      const [encodedHeader, encodedPayload, encodedSignature] = token.split(".") as [string, string, string];
      // Exactly our alg and typ (jose would also accept `application/…` and any listed alg), a kid,
      // and no extensions (`crit`, `b64`), before any key is looked up.
      const header = decodeSegment(encodedHeader) as Partial<CompactJWSHeaderParameters> | undefined;
      if (!header) throw refuse("grant_invalid", "The grant's header is not a JSON object.");
      if (header.alg !== GRANT_ALG) throw refuse("grant_invalid", `The grant's alg is ${String(header.alg)}; only ${GRANT_ALG} is accepted.`);
      if (header.typ !== GRANT_TYP) throw refuse("grant_invalid", `The grant's typ is ${String(header.typ)}; only ${GRANT_TYP} is accepted.`);
      if (typeof header.kid !== "string" || header.kid === "") throw refuse("grant_invalid", "The grant has no kid.");
      if (header.crit !== undefined || header.b64 !== undefined) throw refuse("grant_invalid", "The grant's header carries extensions Countersign never sets.");

      let key: KeyObject | undefined;
      try {
        const found = cachedKeyObject(await keys(header as CompactJWSHeaderParameters, { protected: encodedHeader, payload: encodedPayload, signature: encodedSignature }));
        key = found instanceof Promise ? await found : found;
      } catch (error) {
        if (error instanceof joseErrors.JWKSNoMatchingKey) {
          throw refuse("grant_invalid", `The grant is signed by a key (${header.kid}) that Countersign does not publish.`, error);
        }
        // Key-set fetch failures are not the grant's fault: let the caller see (and retry) them.
        if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout) && !(error instanceof joseErrors.JWKSInvalid)) {
          throw refuse("grant_invalid", `The grant is not valid: ${error.message}`, error);
        }
        throw error;
      }
      if (!key) throw refuse("grant_invalid", `The key ${header.kid} is not an Ed25519 public key.`);
      // COMPACT_JWS admitted only base64url characters, so Buffer's decoding is exact here.
      const signature = Buffer.from(encodedSignature, "base64url");
      if (!verifySignature(null, Buffer.from(token.slice(0, token.length - encodedSignature.length - 1), "ascii"), key, signature)) {
        throw refuse("grant_invalid", "The grant's signature does not verify.");
      }

      const payload = decodeSegment(encodedPayload);
      if (!payload) throw refuse("grant_invalid", "The grant's claims are not a JSON object.");
      for (const claim of REQUIRED_CLAIMS) {
        if (!Object.hasOwn(payload, claim)) throw refuse("grant_invalid", `The grant has no ${claim} claim.`);
      }
      if (payload.iss !== issuer) throw refuse("grant_wrong_issuer", `The grant was not issued by ${issuer}.`);
      // A single audience, exactly ours.
      if (payload.aud !== audience) throw refuse("grant_wrong_audience", `The grant is not for ${audience} alone.`);
      const claims = ClaimsSchema.safeParse(payload);
      if (!claims.success) throw refuse("grant_invalid", "The grant's claims are malformed.");
      const now = Math.floor((verifyOptions.now ?? new Date()).getTime() / 1000);
      const skew = options.clockToleranceSeconds ?? 0;
      // nbf may lie a few seconds ahead (grants are minted on Countersign's database clock); a grant
      // expires on time, give or take the configured skew.
      if (claims.data.nbf > now + skew + NOT_BEFORE_TOLERANCE_SECONDS) throw refuse("grant_invalid", "The grant is not valid yet.");
      if (claims.data.exp <= now - skew) throw refuse("grant_expired", "The grant has expired.");
      if (claims.data.env !== environment) throw refuse("grant_wrong_environment", `The grant is for ${claims.data.env}, not ${environment}.`);
      if (verifyOptions.operation !== undefined && claims.data.op !== operationDigest(verifyOptions.operation)) {
        throw refuse("grant_wrong_operation", "The grant is for a different operation.");
      }
      return claims.data;
    },
  };
}
