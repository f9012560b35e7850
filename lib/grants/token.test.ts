import { createPublicKey, generateKeyPairSync, verify as nodeVerify } from "node:crypto";
import { SignJWT, createLocalJWKSet, exportJWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { operationDigest } from "./digest";
import { generateSigningKey, type SigningKeyPair } from "./keys";
import {
  GRANT_TTL_SECONDS,
  GrantVerificationError,
  signGrant,
  verifyGrantSignature,
  verifyGrantToken,
  type GrantClaims,
  type GrantInput,
} from "./token";

const ISSUER = "https://countersign.example";
const decisionTime = new Date("2026-05-01T12:00:00.750Z");
const iat = Math.floor(decisionTime.getTime() / 1000);
const digest = operationDigest({ kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DROP TABLE customers;" });

const input = (overrides: Partial<GrantInput> = {}): GrantInput => ({
  issuer: ISSUER,
  audience: "postgres/main",
  environment: "production",
  agentId: "5d0c1a52-8f0e-4f57-9b43-2f7b3c1d9a11",
  requestId: "0f1e2d3c-4b5a-4968-8776-655443322110",
  operationDigest: digest,
  approvers: ["reviewer-1", "reviewer-2"],
  issuedAt: decisionTime,
  ...overrides,
});

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const decodePart = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

let key: SigningKeyPair;
let jwks: { keys: SigningKeyPair["publicJwk"][] };
let token: string;
let claims: GrantClaims;

beforeAll(async () => {
  key = await generateSigningKey();
  jwks = { keys: [key.publicJwk] };
  ({ token, claims } = await signGrant(input(), key));
});

const expectations = { issuer: ISSUER, audience: "postgres/main", environment: "production", now: new Date(decisionTime.getTime() + 1000) };

async function refusal(promise: Promise<unknown>): Promise<GrantVerificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrantVerificationError);
  return error as GrantVerificationError;
}

describe("signGrant", () => {
  it("writes exactly the protected header {alg, typ, kid}", () => {
    expect(decodePart(token.split(".")[0])).toEqual({ alg: "EdDSA", typ: "countersign-grant+jwt", kid: key.kid });
  });

  it("writes exactly the grant claims, with iat = nbf = decision time and exp 300 s later", () => {
    const payload = decodePart(token.split(".")[1]);
    expect(Object.keys(payload).sort()).toEqual(["approvers", "aud", "env", "exp", "iat", "iss", "jti", "nbf", "op", "req", "sub"]);
    expect(payload).toEqual({
      iss: ISSUER,
      aud: "postgres/main",
      env: "production",
      sub: "5d0c1a52-8f0e-4f57-9b43-2f7b3c1d9a11",
      jti: claims.jti,
      iat,
      nbf: iat,
      exp: iat + 300,
      req: "0f1e2d3c-4b5a-4968-8776-655443322110",
      op: digest,
      approvers: ["reviewer-1", "reviewer-2"],
    });
    expect(GRANT_TTL_SECONDS).toBe(300);
    expect(claims).toEqual(payload);
  });

  it("gives each grant a fresh 128-bit jti", async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, async () => (await signGrant(input(), key)).claims.jti));
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(id, "base64url")).toHaveLength(16);
    }
  });

  it("keeps an empty approvers list for policy-allowed grants", async () => {
    const { token: t } = await signGrant(input({ approvers: [] }), key);
    expect(decodePart(t.split(".")[1]).approvers).toEqual([]);
  });

  it.each([0, 301, 1.5, -1])("refuses a lifetime of %s seconds", async (ttlSeconds) => {
    await expect(signGrant(input({ ttlSeconds }), key)).rejects.toThrow(/lifetime/);
  });

  it("accepts a shorter lifetime", async () => {
    const { claims: c } = await signGrant(input({ ttlSeconds: 60 }), key);
    expect(c.exp - c.iat).toBe(60);
  });

  it("refuses something that is not an operation digest", async () => {
    await expect(signGrant(input({ operationDigest: "sha256:abc" }), key)).rejects.toThrow(/operationDigest/);
  });
});

describe("verifyGrantToken accepts a good grant", () => {
  it("with jose and a local key set built from the JWKS", async () => {
    expect(await verifyGrantToken(token, { ...expectations, jwks: createLocalJWKSet(jwks) })).toEqual(claims);
  });

  it("with the JWKS document itself", async () => {
    expect(await verifyGrantToken(token, { ...expectations, jwks })).toEqual(claims);
  });

  it("until the last second before exp", async () => {
    const now = new Date((claims.exp - 1) * 1000 + 999);
    expect((await verifyGrantToken(token, { ...expectations, jwks, now })).jti).toBe(claims.jti);
  });

  it("and an independent check agrees: hand-decoded parts, Ed25519 verified by node:crypto from the JWK", () => {
    const [h, p, s] = token.split(".");
    const header = decodePart(h);
    const published = jwks.keys.find((k) => k.kid === header.kid)!;
    expect(published).toBeDefined();
    const publicKey = createPublicKey({ key: { kty: published.kty, crv: published.crv, x: published.x }, format: "jwk" });
    const signature = Buffer.from(s, "base64url");
    expect(signature).toHaveLength(64);
    expect(nodeVerify(null, Buffer.from(`${h}.${p}`, "ascii"), publicKey, signature)).toBe(true);
    expect(decodePart(p).op).toBe(digest);

    const forged = b64json({ ...decodePart(p), op: operationDigest({ kind: "sql", sql: "SELECT 1" }) });
    expect(nodeVerify(null, Buffer.from(`${h}.${forged}`, "ascii"), publicKey, signature)).toBe(false);
  });
});

describe("verifyGrantToken refuses", () => {
  const [header, payload, signature] = [0, 1, 2].map((i) => () => token.split(".")[i]);

  it.each<[string, () => Promise<string>]>([
    ["alg none", async () => `${b64json({ alg: "none", typ: "countersign-grant+jwt", kid: key.kid })}.${payload()}.`],
    [
      "alg none keeping the signature",
      async () => `${b64json({ alg: "none", typ: "countersign-grant+jwt", kid: key.kid })}.${payload()}.${signature()}`,
    ],
    [
      // The classic confusion: HMAC keyed with the public key's bytes.
      "HS256 keyed with the public key",
      async () =>
        new SignJWT(decodePart(payload()))
          .setProtectedHeader({ alg: "HS256", typ: "countersign-grant+jwt", kid: key.kid })
          .sign(Buffer.from(key.publicJwk.x, "base64url")),
    ],
    [
      "ES256 from a key that is not published",
      async () => {
        const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
        return new SignJWT(decodePart(payload()))
          .setProtectedHeader({ alg: "ES256", typ: "countersign-grant+jwt", kid: key.kid })
          .sign(privateKey);
      },
    ],
    ["typ JWT", async () => (await resign({ typ: "JWT" })).token],
    ["typ application/countersign-grant+jwt", async () => (await resign({ typ: "application/countersign-grant+jwt" })).token],
    ["no typ", async () => (await resign({ typ: undefined })).token],
    ["no kid", async () => (await resign({ kid: undefined })).token],
    ["an unknown kid", async () => (await resign({ kid: "not-a-published-kid" })).token],
    [
      "a signature by another Ed25519 key claiming our kid",
      async () => (await signGrant(input(), { kid: key.kid, privateKey: (await generateSigningKey()).privateKey })).token,
    ],
    ["a tampered payload (op changed)", async () => `${header()}.${b64json({ ...decodePart(payload()), op: operationDigest({ x: 1 }) })}.${signature()}`],
    ["a tampered payload (approvers added)", async () => `${header()}.${b64json({ ...decodePart(payload()), approvers: ["me"] })}.${signature()}`],
    ["a tampered header (kid swapped)", async () => `${b64json({ alg: "EdDSA", typ: "countersign-grant+jwt", kid: "x" })}.${payload()}.${signature()}`],
    ["a truncated signature", async () => `${header()}.${payload()}.${signature().slice(0, 40)}`],
    ["another issuer", async () => (await signGrant(input({ issuer: "https://evil.example" }), key)).token],
    ["nbf in the future", async () => (await signGrant(input({ issuedAt: new Date(decisionTime.getTime() + 60_000) }), key)).token],
    ["an aud array", async () => (await resignPayload({ aud: ["postgres/main"] })).token],
    ["a missing op claim", async () => (await resignPayload({ op: undefined })).token],
    ["a malformed op claim", async () => (await resignPayload({ op: "md5:abc" })).token],
    ["approvers that are not strings", async () => (await resignPayload({ approvers: [1] })).token],
    ["not a JWS at all", async () => "not-a-token"],
    ["a JWS JSON serialisation", async () => JSON.stringify({ protected: header(), payload: payload(), signature: signature() })],
  ])("%s → grant_invalid", async (_name, make) => {
    const bad = await make();
    const error = await refusal(verifyGrantToken(bad, { ...expectations, jwks: createLocalJWKSet(jwks) }));
    expect(error.code).toBe("grant_invalid");
  });

  it("another resource → grant_wrong_audience", async () => {
    const error = await refusal(verifyGrantToken(token, { ...expectations, audience: "postgres/other", jwks }));
    expect(error.code).toBe("grant_wrong_audience");
  });

  it("another environment → grant_wrong_environment", async () => {
    const error = await refusal(verifyGrantToken(token, { ...expectations, environment: "staging", jwks }));
    expect(error.code).toBe("grant_wrong_environment");
  });

  it.each([
    ["at exp", 0],
    ["a second after exp", 1],
    ["an hour after exp", 3600],
  ])("%s → grant_expired", async (_name, after) => {
    const now = new Date((claims.exp + after) * 1000);
    const error = await refusal(verifyGrantToken(token, { ...expectations, jwks, now }));
    expect(error.code).toBe("grant_expired");
  });

  it("an expired grant is refused even by the independent-issuer check", async () => {
    const error = await refusal(verifyGrantSignature(token, { issuer: ISSUER, jwks, now: new Date(claims.exp * 1000) }));
    expect(error.code).toBe("grant_expired");
  });

  // Re-signs with our real key but a changed header, so only the header check can refuse it.
  async function resign(headerChanges: Record<string, unknown>) {
    const protectedHeader = { alg: "EdDSA", typ: "countersign-grant+jwt", kid: key.kid, ...headerChanges };
    for (const k of Object.keys(protectedHeader)) {
      if ((protectedHeader as Record<string, unknown>)[k] === undefined) delete (protectedHeader as Record<string, unknown>)[k];
    }
    return { token: await new SignJWT(decodePart(payload())).setProtectedHeader(protectedHeader as never).sign(key.privateKey) };
  }

  // Re-signs with our real key and header but changed claims.
  async function resignPayload(claimChanges: Record<string, unknown>) {
    const body: Record<string, unknown> = { ...decodePart(payload()), ...claimChanges };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    return {
      token: await new SignJWT(body).setProtectedHeader({ alg: "EdDSA", typ: "countersign-grant+jwt", kid: key.kid }).sign(key.privateKey),
    };
  }

  it("the control: re-signing the untouched header and payload is accepted", async () => {
    const { token: same } = await resign({});
    expect((await verifyGrantToken(same, { ...expectations, jwks })).jti).toBe(claims.jti);
    const { token: samePayload } = await resignPayload({});
    expect((await verifyGrantToken(samePayload, { ...expectations, jwks })).jti).toBe(claims.jti);
  });
});

describe("verifyGrantSignature", () => {
  it("checks signature, issuer and time but not aud or env", async () => {
    const c = await verifyGrantSignature(token, { issuer: ISSUER, jwks, now: expectations.now });
    expect(c).toEqual(claims);
    const error = await refusal(verifyGrantSignature(token, { issuer: "https://other.example", jwks, now: expectations.now }));
    expect(error.code).toBe("grant_invalid");
  });

  it("still refuses a key that is not in the set", async () => {
    const other = await generateSigningKey();
    const error = await refusal(verifyGrantSignature(token, { issuer: ISSUER, jwks: { keys: [other.publicJwk] }, now: expectations.now }));
    expect(error.code).toBe("grant_invalid");
  });
});

describe("a JWKS from jose's exportJWK verifies our grants too", () => {
  it("so an independent library needs only the public key", async () => {
    const jwk = { ...(await exportJWK(createPublicKey(key.privateKey))), kid: key.kid };
    expect(jwk).not.toHaveProperty("d");
    expect((await verifyGrantToken(token, { ...expectations, jwks: { keys: [jwk] } })).op).toBe(digest);
  });
});
