// The standalone client against the real server, on each database kind: create → grant → offline
// verification → redeem once → outcome; key rotation picked up from the JWKS; a wait that survives
// a server restart with the decision recorded while the server was down. And, without a server:
// the client stands alone, its digest is the server's, and the verifier's refusals.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompactSign, SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTPayload } from "jose";
import { DATABASE_KINDS } from "../test/databases";
import { startRunningApp, type RunningApp } from "../test/running-app";
import { operationDigest as serverDigest } from "../lib/grants/digest";
import { decideRequest } from "../lib/requests/decide-request";
import { createUser } from "../lib/users";
import { CountersignClient, CountersignError, GrantVerificationError, createGrantVerifier, operationDigest, type RequestView } from "./index";

function sql(environment: string, statement: string, resource = "postgres/main") {
  return { kind: "sql" as const, target: { environment, resource }, sql: statement };
}

async function refusal(promise: Promise<unknown>): Promise<Error & { code?: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a refusal");
}

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid as string;

describe("the client stands alone", () => {
  it("imports only jose, zod, canonicalize, pg (and its pg-cursor), the MCP SDK (for the stdio bridge) and Node built-ins — nothing from the app", () => {
    // The coding-agent hooks (client/hooks/) run on the agent's machine too: they may import the client, nothing else of ours.
    const allowed = /^(node:.+|jose|zod|canonicalize|pg|pg-cursor|@modelcontextprotocol\/sdk\/[A-Za-z/]+\.js|\.\/[a-z-]+|\.\/hooks\/[a-z-]+|\.\.\/index)$/;
    const files = [
      ...readdirSync(import.meta.dirname).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")),
      ...readdirSync(path.join(import.meta.dirname, "hooks"))
        .filter((f) => (f.endsWith(".ts") || f.endsWith(".mjs")) && !f.endsWith(".test.ts"))
        .map((f) => `hooks/${f}`),
    ];
    expect(files).toContain("index.ts");
    expect(files).toContain("hooks/main.ts");
    for (const file of files) {
      const text = readFileSync(path.join(import.meta.dirname, file), "utf8");
      const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)|^\s*import\s+"([^"]+)"/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
      expect(specifiers.length, file).toBeGreaterThan(0);
      for (const specifier of specifiers) expect(specifier, `${file} imports ${specifier}`).toMatch(allowed);
    }
  });

  it("computes the server's operation digest", () => {
    const ops: unknown[] = [
      sql("production", "DROP TABLE customers_old;"),
      { target: { resource: "postgres/main", environment: "staging" }, sql: "SELECT 1", kind: "sql" },
      { kind: "http", target: { environment: "production", resource: "aws/rds" }, method: "POST", url: "https://rds.amazonaws.com/?Action=DeleteDBSnapshot", body: { n: [1, 2.5, -0, 1e21, 1e-7], s: "é😀\u2028\"\\", z: null, a: true } },
      { kind: "custom", target: { environment: "dev", resource: "x" }, action: "rotate", params: { "€": 1, "\u0080": 2, a: { b: [{}] } } },
    ];
    for (const op of ops) {
      expect(operationDigest(op)).toBe(serverDigest(op));
      expect(operationDigest(op)).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    }
    // Key order does not matter; case and whitespace do.
    expect(operationDigest({ sql: "SELECT 1", kind: "sql", target: { resource: "r", environment: "e" } })).toBe(operationDigest(sql("e", "SELECT 1", "r")));
    expect(operationDigest(sql("production", "select 1"))).not.toBe(operationDigest(sql("production", "SELECT 1")));
    expect(operationDigest(sql("production", "SELECT 1 "))).not.toBe(operationDigest(sql("production", "SELECT 1")));
    expect(() => operationDigest({ sql: "\ud800" })).toThrow(TypeError);
    expect(() => operationDigest({ n: Number.NaN })).toThrow(TypeError);
  });
});

describe("verifyGrant refusals", () => {
  const ISSUER = "https://countersign.example";
  const operation = sql("production", "DELETE FROM sessions WHERE expires_at < now()");
  let keys: { ed: CryptoKey; es: CryptoKey; stranger: CryptoKey };
  let verifier: ReturnType<typeof createGrantVerifier>;
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    const ed = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const es = await generateKeyPair("ES256");
    const stranger = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    keys = { ed: ed.privateKey, es: es.privateKey, stranger: stranger.privateKey };
    // A published ES256 key too: an ES256 grant must be refused for its alg, not for a missing key.
    const jwks = { keys: [{ ...(await exportJWK(ed.publicKey)), kid: "ed-1", alg: "EdDSA" }, { ...(await exportJWK(es.publicKey)), kid: "es-1", alg: "ES256" }] };
    verifier = createGrantVerifier({ issuer: ISSUER, audience: "postgres/main", environment: "production", keySet: createLocalJWKSet(jwks) });
  });

  const claims = (overrides: Partial<JWTPayload & Record<string, unknown>> = {}): JWTPayload => ({
    iss: ISSUER,
    aud: "postgres/main",
    env: "production",
    sub: "agent-1",
    jti: "j-1",
    iat: now - 10,
    nbf: now - 10,
    exp: now + 290,
    req: "req-1",
    op: operationDigest(operation),
    approvers: ["user-1"],
    ...overrides,
  });
  const sign = (payload: JWTPayload, header: Record<string, unknown> = {}, key?: CryptoKey) =>
    new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", typ: "countersign-grant+jwt", kid: "ed-1", ...header } as never).sign(key ?? keys.ed);

  // jose will not sign headers it would refuse to verify: sign those by hand, properly.
  const signAnyHeader = async (extra: Record<string, unknown>) => {
    const input = `${Buffer.from(JSON.stringify({ alg: "EdDSA", typ: "countersign-grant+jwt", kid: "ed-1", ...extra })).toString("base64url")}.${Buffer.from(JSON.stringify(claims())).toString("base64url")}`;
    const signature = await crypto.subtle.sign("Ed25519", keys.ed, Buffer.from(input));
    return `${input}.${Buffer.from(signature).toString("base64url")}`;
  };

  it("accepts a well-formed grant for exactly this operation", async () => {
    expect(await verifier.verifyGrant(await sign(claims()), { operation })).toMatchObject({ req: "req-1", env: "production", aud: "postgres/main" });
    expect(await verifier.verifyGrant(await signAnyHeader({}), { operation })).toMatchObject({ req: "req-1" });
  });

  const cases: Array<{ name: string; token: () => Promise<string>; operation?: unknown; code: string }> = [
    { name: "alg ES256 (by a published ES256 key)", token: () => sign(claims(), { alg: "ES256", kid: "es-1" }, keys.es), code: "grant_invalid" },
    { name: "alg none", token: async () => `${Buffer.from(JSON.stringify({ alg: "none", typ: "countersign-grant+jwt", kid: "ed-1" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims())).toString("base64url")}.`, code: "grant_invalid" },
    { name: "typ JWT", token: () => sign(claims(), { typ: "JWT" }), code: "grant_invalid" },
    { name: "typ application/countersign-grant+jwt", token: () => sign(claims(), { typ: "application/countersign-grant+jwt" }), code: "grant_invalid" },
    { name: "no kid", token: () => sign(claims(), { kid: undefined }), code: "grant_invalid" },
    { name: "a key Countersign does not publish", token: () => sign(claims(), { kid: "ed-2" }, keys.stranger), code: "grant_invalid" },
    { name: "a published kid, another key's signature", token: () => sign(claims(), {}, keys.stranger), code: "grant_invalid" },
    { name: "another issuer", token: () => sign(claims({ iss: "https://countersign.evil.example" })), code: "grant_wrong_issuer" },
    { name: "another resource", token: () => sign(claims({ aud: "postgres/other" })), code: "grant_wrong_audience" },
    { name: "several audiences including ours", token: () => sign(claims({ aud: ["postgres/main", "postgres/other"] })), code: "grant_wrong_audience" },
    { name: "another environment", token: () => sign(claims({ env: "staging" })), code: "grant_wrong_environment" },
    { name: "expired", token: () => sign(claims({ iat: now - 400, nbf: now - 400, exp: now - 100 })), code: "grant_expired" },
    { name: "not yet valid", token: () => sign(claims({ nbf: now + 120 })), code: "grant_invalid" },
    { name: "no op claim", token: () => sign(claims({ op: undefined })), code: "grant_invalid" },
    { name: "another operation", token: () => sign(claims()), operation: sql("production", "DELETE FROM sessions"), code: "grant_wrong_operation" },
    { name: "the same statement on another target", token: () => sign(claims()), operation: sql("production", operation.sql, "postgres/replica"), code: "grant_wrong_operation" },
    { name: "not a JWS", token: async () => "not-a-grant", code: "grant_invalid" },
    { name: "a crit header", token: () => signAnyHeader({ crit: ["exp"], exp: now + 60 }), code: "grant_invalid" },
    { name: "a b64 header", token: () => signAnyHeader({ b64: true, crit: ["b64"] }), code: "grant_invalid" },
    { name: "a signature segment with padding", token: async () => `${await sign(claims())}==`, code: "grant_invalid" },
    { name: "a signature segment with a character outside base64url", token: async () => (await sign(claims())).replace(/.$/, "+"), code: "grant_invalid" },
    { name: "a signature cut short", token: async () => (await sign(claims())).slice(0, -4), code: "grant_invalid" },
    { name: "a payload changed after signing", token: async () => { const [h, , sig] = (await sign(claims())).split("."); return `${h}.${Buffer.from(JSON.stringify(claims({ env: "production", req: "req-2" }))).toString("base64url")}.${sig}`; }, code: "grant_invalid" },
    {
      name: "signed claims that are a JSON array",
      token: () => new CompactSign(Buffer.from(JSON.stringify([claims()]))).setProtectedHeader({ alg: "EdDSA", typ: "countersign-grant+jwt", kid: "ed-1" }).sign(keys.ed),
      code: "grant_invalid",
    },
    { name: "exp as a string", token: () => sign(claims({ exp: String(now + 290) as never })), code: "grant_invalid" },
  ];

  it("accepts a grant whose nbf is a few seconds ahead (Countersign mints on its database's clock), and no more", async () => {
    const ahead = await sign(claims({ iat: now + 3, nbf: now + 3 }));
    expect(await verifier.verifyGrant(ahead, { operation, now: new Date(now * 1000) })).toMatchObject({ req: "req-1" });
    const tooFar = await sign(claims({ iat: now + 6, nbf: now + 6 }));
    expect((await refusal(verifier.verifyGrant(tooFar, { operation, now: new Date(now * 1000) }))).code).toBe("grant_invalid");
    // The tolerance is for nbf only: a grant still expires on its exp, to the second.
    const exp = now + 290;
    expect((await refusal(verifier.verifyGrant(await sign(claims()), { operation, now: new Date(exp * 1000) }))).code).toBe("grant_expired");
  });

  it.each(cases)("refuses $name → $code", async ({ token, operation: other, code }) => {
    const error = await refusal(verifier.verifyGrant(await token(), { operation: other ?? operation }));
    expect(error).toBeInstanceOf(GrantVerificationError);
    expect(error.code).toBe(code);
  });
});

describe("verifyGrant's keys follow the JWKS, without a server", () => {
  const ISSUER = "https://countersign.example";
  const operation = sql("production", "DELETE FROM sessions WHERE expires_at < now()");
  const now = Math.floor(Date.now() / 1000);
  type Signer = { kid: string; privateKey: CryptoKey; jwk: JWK };

  async function signer(kid: string): Promise<Signer> {
    const pair = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    return { kid, privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: "EdDSA", use: "sig" } };
  }
  const grant = (by: Signer, req = "req-1") =>
    new SignJWT({ iss: ISSUER, aud: "postgres/main", env: "production", sub: "agent-1", jti: `j-${req}`, iat: now, nbf: now, exp: now + 300, req, op: operationDigest(operation), approvers: [] })
      .setProtectedHeader({ alg: "EdDSA", typ: "countersign-grant+jwt", kid: by.kid })
      .sign(by.privateKey);
  /** A JWKS endpoint whose published keys the test changes, counting fetches. */
  function jwksEndpoint(initial: Signer[]) {
    const endpoint = {
      published: initial,
      fetches: 0,
      fetch: (async () => {
        endpoint.fetches++;
        return new Response(JSON.stringify({ keys: endpoint.published.map((s) => s.jwk) }), { headers: { "content-type": "application/json" } });
      }) as typeof globalThis.fetch,
    };
    return endpoint;
  }
  const verifierOn = (endpoint: ReturnType<typeof jwksEndpoint>, timing: { cacheMaxAgeMs?: number; refetchCooldownMs?: number } = {}) =>
    createGrantVerifier({ issuer: ISSUER, audience: "postgres/main", environment: "production", fetch: endpoint.fetch, ...timing });

  it("fetches once, refetches for a rotated-in kid, and keeps verifying grants of the previous key while it is published", async () => {
    const [first, second] = [await signer("k-1"), await signer("k-2")];
    const endpoint = jwksEndpoint([first]);
    const verifier = verifierOn(endpoint, { refetchCooldownMs: 0 });
    const before = await grant(first, "req-before");
    expect(await verifier.verifyGrant(before, { operation })).toMatchObject({ req: "req-before" });
    expect(await verifier.verifyGrant(before, { operation })).toMatchObject({ req: "req-before" });
    expect(endpoint.fetches).toBe(1);

    endpoint.published = [first, second];
    expect(await verifier.verifyGrant(await grant(second, "req-after"), { operation })).toMatchObject({ req: "req-after" });
    expect(endpoint.fetches).toBe(2); // the unknown kid made it refetch, once
    expect(await verifier.verifyGrant(before, { operation })).toMatchObject({ req: "req-before" });
    expect(await verifier.verifyGrant(await grant(second, "req-after"), { operation })).toMatchObject({ req: "req-after" });
    expect(endpoint.fetches).toBe(2);
  });

  it("refuses an unknown kid after refetching, and does not refetch for it again within the cool-down", async () => {
    const [published, stranger] = [await signer("k-1"), await signer("k-unknown")];
    const endpoint = jwksEndpoint([published]);
    const verifier = verifierOn(endpoint, { refetchCooldownMs: 60_000 });
    await verifier.verifyGrant(await grant(published), { operation });
    expect(endpoint.fetches).toBe(1);
    const error = await refusal(verifier.verifyGrant(await grant(stranger), { operation }));
    expect(error).toBeInstanceOf(GrantVerificationError);
    expect(error.code).toBe("grant_invalid");
    expect((await refusal(verifier.verifyGrant(await grant(stranger), { operation }))).code).toBe("grant_invalid");
    expect(endpoint.fetches).toBe(1); // within the cool-down: no fetch storm from made-up kids
  });

  it("stops accepting a key withdrawn from the JWKS, and follows a kid re-published with another key, once the cache expires", async () => {
    const [kept, withdrawn] = [await signer("k-kept"), await signer("k-withdrawn")];
    const endpoint = jwksEndpoint([kept, withdrawn]);
    const verifier = verifierOn(endpoint, { cacheMaxAgeMs: 50, refetchCooldownMs: 0 });
    const byWithdrawn = await grant(withdrawn, "req-withdrawn");
    expect(await verifier.verifyGrant(byWithdrawn, { operation })).toMatchObject({ req: "req-withdrawn" });

    const replacement = await signer("k-kept"); // same kid, other key material
    endpoint.published = [replacement];
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await refusal(verifier.verifyGrant(byWithdrawn, { operation }))).code).toBe("grant_invalid");
    expect((await refusal(verifier.verifyGrant(await grant(kept, "req-old-material"), { operation }))).code).toBe("grant_invalid");
    expect(await verifier.verifyGrant(await grant(replacement, "req-new-material"), { operation })).toMatchObject({ req: "req-new-material" });
    expect(endpoint.fetches).toBeGreaterThanOrEqual(2);
  });
});

describe("waitForDecision without a server", () => {
  it("reconnects through 5xx and network errors, and does not spin on early answers", async () => {
    let calls = 0;
    const flaky = new CountersignClient({
      baseUrl: "http://countersign.invalid",
      apiKey: "csk_test",
      retry: { initialDelayMs: 10, maxDelayMs: 20 },
      fetch: async () => {
        calls++;
        if (calls === 1) throw new TypeError("fetch failed");
        if (calls === 2) return new Response(JSON.stringify({ status: 503, code: "unavailable", detail: "restarting" }), { status: 503, headers: { "content-type": "application/problem+json" } });
        const view = { id: "r1", status: calls < 4 ? "pending" : "denied", reason: "no", operationDigest: "sha256:x", risk: { level: "high", findings: [] }, requiredApprovals: 1, reviewUrl: "u", expiresAt: "e" };
        return new Response(JSON.stringify(view), { status: 200 });
      },
    });
    const started = Date.now();
    expect(await flaky.waitForDecision("r1")).toMatchObject({ status: "denied", reason: "no" });
    expect(calls).toBe(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // a pending answer that came back early is not re-polled at once

    // A 4xx is an answer, not an outage: thrown at once.
    const gone = new CountersignClient({ baseUrl: "http://countersign.invalid", apiKey: "csk_test", fetch: async () => new Response(JSON.stringify({ status: 404, code: "not_found", detail: "No such request." }), { status: 404 }) });
    expect(await refusal(gone.waitForDecision("r1"))).toMatchObject({ status: 404, code: "not_found" });

    const down = new CountersignClient({ baseUrl: "http://127.0.0.1:9", apiKey: "csk_test", retry: { initialDelayMs: 50, maxDelayMs: 100 } });
    await expect(down.waitForDecision("r1", { timeoutSeconds: 1 })).rejects.toThrow();
  });
});

describe("waitForDecision and a server whose database is restarting", () => {
  it("waits as long as the 503's Retry-After asks before asking again, then returns the decision", async () => {
    const http = await import("node:http");
    const seen: number[] = [];
    const server = http.createServer((req, res) => {
      seen.push(Date.now());
      if (seen.length === 1) {
        res.writeHead(503, { "content-type": "application/problem+json", "retry-after": "2" });
        return res.end(JSON.stringify({ type: "urn:countersign:problem:database_unavailable", status: 503, code: "database_unavailable", detail: "The database is not answering right now." }));
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "r1", status: "approved", operationDigest: "sha256:x", risk: { level: "high", findings: [] }, requiredApprovals: 1, reviewUrl: "u", expiresAt: "e" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const retries: unknown[] = [];
      // Its own back-off alone would ask again within 20 ms.
      const cs = new CountersignClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "csk_test", retry: { initialDelayMs: 10, maxDelayMs: 20 } });
      expect(await cs.waitForDecision("r1", { onRetry: (error) => retries.push(error) })).toMatchObject({ status: "approved" });
      expect(seen).toHaveLength(2);
      expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(1_900);
      expect(retries).toHaveLength(1);
      expect(retries[0]).toMatchObject({ status: 503, code: "database_unavailable", retryAfterMs: 2_000 });
    } finally {
      server.close();
    }
  });
});

describe.each(DATABASE_KINDS)("the client against the running server (%s)", (kind) => {
  let app: RunningApp;
  let cs: CountersignClient;

  beforeAll(async () => {
    app = await startRunningApp(kind);
    const key = await app.addAgent("client-bot", { environments: ["staging", "production"] });
    cs = new CountersignClient({ baseUrl: app.url, apiKey: key, retry: { initialDelayMs: 100, maxDelayMs: 1000 } });
  });
  afterAll(async () => {
    await app?.close();
  });

  const verifierFor = (overrides: { audience?: string; environment?: string; issuer?: string } = {}, fetch?: typeof globalThis.fetch) =>
    createGrantVerifier({
      issuer: overrides.issuer ?? app.url,
      jwksUrl: `${app.url}/.well-known/jwks.json`,
      audience: overrides.audience ?? "postgres/main",
      environment: overrides.environment ?? "staging",
      refetchCooldownMs: 500,
      fetch,
    });

  it("create → approved with a grant → verified offline → redeemed once → outcome", async () => {
    const operation = sql("staging", "SELECT count(*) FROM customers");
    const created = await cs.createRequest({ operation, summary: "Count customers" }, { idempotencyKey: "client-test-select" });
    expect(created).toMatchObject({ status: "approved", operationDigest: operationDigest(operation), reviewUrl: `${app.url}/requests/${created.id}` });
    // The same idempotency key and body → the same request.
    expect((await cs.createRequest({ operation, summary: "Count customers" }, { idempotencyKey: "client-test-select" })).id).toBe(created.id);
    expect((await cs.waitForDecision(created.id)).status).toBe("approved");

    const token = created.grant!.token;
    const claims = await verifierFor().verifyGrant(token, { operation });
    expect(claims).toMatchObject({ iss: app.url, aud: "postgres/main", env: "staging", req: created.id, op: operationDigest(operation), approvers: [] });

    // The executor's own configuration decides; the grant's claims do not.
    expect((await refusal(verifierFor({ environment: "production" }).verifyGrant(token))).code).toBe("grant_wrong_environment");
    expect((await refusal(verifierFor({ audience: "postgres/other" }).verifyGrant(token))).code).toBe("grant_wrong_audience");
    expect((await refusal(verifierFor({ issuer: "https://countersign.evil.example" }).verifyGrant(token))).code).toBe("grant_wrong_issuer");
    expect((await refusal(verifierFor().verifyGrant(token, { operation: sql("staging", "DELETE FROM customers") }))).code).toBe("grant_wrong_operation");
    expect((await refusal(verifierFor().verifyGrant(token, { now: new Date((claims.exp + 1) * 1000) }))).code).toBe("grant_expired");

    // The server refuses another operation (422) without spending the grant…
    const other = await refusal(cs.redeemGrant(token, sql("staging", "DELETE FROM customers")));
    expect(other).toBeInstanceOf(CountersignError);
    expect(other).toMatchObject({ status: 422, code: "digest_mismatch" });
    // …which then redeems once for exactly its operation.
    const redeemed = await cs.redeemGrant(token, operation);
    expect(redeemed).toMatchObject({ requestId: created.id, jti: claims.jti, operationDigest: claims.op, environment: "staging", resource: "postgres/main" });
    expect(await refusal(cs.redeemGrant(token, operation))).toMatchObject({ status: 409, code: "grant_already_redeemed" });

    const done = await cs.reportOutcome(created.id, "executed", "1 row");
    expect(done).toMatchObject({ id: created.id, status: "executed", outcome: { status: "executed", detail: "1 row" } });
  });

  it("carries the problem details of a refusal", async () => {
    const missing = await refusal(cs.getRequest("00000000-0000-0000-0000-000000000000"));
    expect(missing).toBeInstanceOf(CountersignError);
    expect(missing).toMatchObject({ status: 404, code: "not_found" });
    const invalid = (await refusal(cs.createRequest({ operation: sql("staging", "SELECT 1"), ttlSeconds: 5 }))) as CountersignError;
    expect(invalid).toMatchObject({ status: 422, code: "validation_failed" });
    expect(invalid.errors.some((e) => e.field?.includes("ttlSeconds"))).toBe(true);
    const stranger = new CountersignClient({ baseUrl: app.url, apiKey: "csk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(await refusal(stranger.getRequest("x"))).toMatchObject({ status: 401 });
  });

  it("verifies from a cached JWKS, and picks up a rotated-in key by its kid", async () => {
    let fetches = 0;
    const verifier = verifierFor({}, async (url, init) => {
      fetches++;
      return fetch(url, init);
    });
    const first = await cs.createRequest({ operation: sql("staging", "SELECT 'before rotation'") });
    await verifier.verifyGrant(first.grant!.token);
    await verifier.verifyGrant(first.grant!.token);
    expect(fetches).toBe(1);

    const rotated = await app.cli(["keys", "rotate", "--activate-after", "2", "--json"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const rotation = JSON.parse(rotated.stdout) as { kid: string; previousKid: string; activatesAt: string };
    expect(rotation.previousKid).toBe(kidOf(first.grant!.token));
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(rotation.activatesAt) - Date.now()) + 300));

    const second = await cs.createRequest({ operation: sql("staging", "SELECT 'after rotation'") });
    expect(kidOf(second.grant!.token)).toBe(rotation.kid);
    expect(await verifier.verifyGrant(second.grant!.token)).toMatchObject({ req: second.id });
    expect(fetches).toBe(2); // the unknown kid made it refetch, once
    // The retired key stays published while grants it signed can still be live.
    await verifier.verifyGrant(first.grant!.token);
    expect(fetches).toBe(2);
  });

  it("waitForDecision reconnects across a server restart and returns the decision recorded while it was down", async () => {
    const operation = sql("staging", "DROP TABLE customers_old;");
    const created = await cs.createRequest({ operation, summary: "Drop leftovers" });
    expect(created).toMatchObject({ status: "pending", requiredApprovals: 1 });
    // Grants already held keep verifying offline while the server is away.
    const held = await cs.createRequest({ operation: sql("staging", "SELECT 'held'") });
    const verifier = verifierFor();
    await verifier.verifyGrant(held.grant!.token);

    let retries = 0;
    let settled: RequestView | undefined;
    const waiting = cs.waitForDecision(created.id, { onRetry: () => retries++ }).then((view) => (settled = view));
    await new Promise((r) => setTimeout(r, 500)); // the long poll is open

    await app.restart(async (database, cfg) => {
      await new Promise((r) => setTimeout(r, 500)); // the waiter has lost its connection and keeps trying
      expect(retries).toBeGreaterThan(0);
      expect(settled).toBeUndefined();
      expect(await verifier.verifyGrant(held.grant!.token)).toMatchObject({ req: held.id });
      const reviewer = await createUser(database.prisma, { email: `restart-${kind}@client.example`, role: "approver" }, { type: "system" });
      await decideRequest(database.prisma, cfg, { requestId: created.id, reviewerId: reviewer.id, decision: { decision: "approve", confirmation: "postgres/main" } });
    });

    const decided = await waiting;
    expect(decided).toMatchObject({ id: created.id, status: "approved" });
    const claims = await verifier.verifyGrant(decided.grant!.token, { operation });
    expect(claims.approvers).toHaveLength(1);
    expect(await cs.redeemGrant(decided.grant!.token, operation)).toMatchObject({ requestId: created.id });
  });
});
