import { createDecipheriv, createHash, createPublicKey, generateKeyPairSync, hkdfSync, sign, verify } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { openPostgres } from "../db";
import { loadConfig, type Config } from "../env";
import { CLI } from "../actors";
import {
  activeSigningKey,
  decryptPrivateKey,
  encryptPrivateKey,
  ensureSigningKey,
  generateSigningKey,
  KEY_ACTIVATION_DELAY_SECONDS,
  publicJwks,
  rotateSigningKeys,
  signingKeyFromPem,
  SigningKeyError,
} from "./keys";
import { GRANT_TTL_SECONDS } from "./token";

const secret = () => createHash("sha256").update(Math.random().toString()).digest("base64url");
const config = (env: Record<string, string> = {}): Config =>
  loadConfig({ NODE_ENV: "test", AUTH_SECRET: secret(), COUNTERSIGN_URL: "https://countersign.example", ...env });

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/** Everything that would reveal a private key: its JWK `d`, and its PKCS8 DER/PEM encodings. */
function privateMarkers(privateKey: import("node:crypto").KeyObject): string[] {
  const d = privateKey.export({ format: "jwk" }).d!;
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  return [d, der.toString("base64"), der.toString("base64url"), der.toString("hex"), "PRIVATE KEY"];
}

describe("generateSigningKey", () => {
  it("makes an Ed25519 key whose kid is its RFC 7638 thumbprint", async () => {
    const key = await generateSigningKey();
    expect(key.privateKey.asymmetricKeyType).toBe("ed25519");
    // RFC 7638 by hand: SHA-256 over the required members, lexicographic, no whitespace.
    const thumbprint = createHash("sha256")
      .update(`{"crv":"Ed25519","kty":"OKP","x":"${key.publicJwk.x}"}`)
      .digest("base64url");
    expect(key.kid).toBe(thumbprint);
    expect(key.publicJwk).toEqual({ kty: "OKP", crv: "Ed25519", x: key.publicJwk.x, kid: thumbprint, alg: "EdDSA", use: "sig" });
    expect(createPublicKey(key.privateKey).export({ format: "jwk" }).x).toBe(key.publicJwk.x);
  });

  it("never serialises the private key, even when the whole pair is logged", async () => {
    const key = await generateSigningKey();
    const text = JSON.stringify(key);
    for (const marker of privateMarkers(key.privateKey)) expect(text).not.toContain(marker);
    expect(JSON.parse(text).privateKey).toEqual({});
    expect(key.publicJwk).not.toHaveProperty("d");
  });
});

describe("private key encryption", () => {
  it("round-trips: the decrypted key is the same key", async () => {
    const key = await generateSigningKey();
    const s = secret();
    const envelope = encryptPrivateKey(key.privateKey, s, key.kid);
    const back = decryptPrivateKey(envelope, s, key.kid);
    const message = Buffer.from("grant");
    expect(verify(null, message, createPublicKey(key.privateKey), sign(null, message, back))).toBe(true);
    expect(back.export({ format: "jwk" }).d).toBe(key.privateKey.export({ format: "jwk" }).d);
  });

  it("uses the envelope v1.<salt>.<iv>.<ciphertext>.<tag>, fresh salt and iv each time, no plaintext", async () => {
    const key = await generateSigningKey();
    const s = secret();
    const a = encryptPrivateKey(key.privateKey, s, key.kid);
    const b = encryptPrivateKey(key.privateKey, s, key.kid);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(a).not.toBe(b);
    expect(a.split(".")[1]).not.toBe(b.split(".")[1]);
    for (const marker of privateMarkers(key.privateKey)) expect(a).not.toContain(marker);
  });

  it("is exactly HKDF-SHA256 + AES-256-GCM as documented (decrypted here by hand)", async () => {
    const key = await generateSigningKey();
    const s = secret();
    const [, salt, iv, ct, tag] = encryptPrivateKey(key.privateKey, s, key.kid).split(".").map((p) => Buffer.from(p, "base64url"));
    const aesKey = Buffer.from(hkdfSync("sha256", s, salt, "countersign signing-key encryption v1", 32));
    const decipher = createDecipheriv("aes-256-gcm", aesKey, iv);
    decipher.setAAD(Buffer.from(`countersign signing-key v1 ${key.kid}`));
    decipher.setAuthTag(tag);
    const der = Buffer.concat([decipher.update(ct), decipher.final()]);
    expect(der.equals(key.privateKey.export({ format: "der", type: "pkcs8" }))).toBe(true);
  });

  it("refuses the wrong AUTH_SECRET with a clear error", async () => {
    const key = await generateSigningKey();
    const envelope = encryptPrivateKey(key.privateKey, secret(), key.kid);
    expect(() => decryptPrivateKey(envelope, secret(), key.kid)).toThrow(SigningKeyError);
    expect(() => decryptPrivateKey(envelope, secret(), key.kid)).toThrow(
      new RegExp(`Signing key ${key.kid} cannot be decrypted with this AUTH_SECRET`),
    );
  });

  it("refuses an envelope moved onto another kid, a flipped bit, and a malformed envelope", async () => {
    const key = await generateSigningKey();
    const s = secret();
    const envelope = encryptPrivateKey(key.privateKey, s, key.kid);
    expect(() => decryptPrivateKey(envelope, s, "another-kid")).toThrow(/cannot be decrypted/);
    const parts = envelope.split(".");
    const ct = Buffer.from(parts[3], "base64url");
    ct[0] ^= 1;
    parts[3] = ct.toString("base64url");
    expect(() => decryptPrivateKey(parts.join("."), s, key.kid)).toThrow(/cannot be decrypted/);
    expect(() => decryptPrivateKey(envelope.replace(/^v1/, "v2"), s, key.kid)).toThrow(/not a v1 envelope/);
    expect(() => decryptPrivateKey("v1.a.b.c.d", s, key.kid)).toThrow(/malformed/);
  });
});

describe("signingKeyFromPem (COUNTERSIGN_SIGNING_KEY)", () => {
  const ed = generateKeyPairSync("ed25519");
  const pem = ed.privateKey.export({ format: "pem", type: "pkcs8" }).toString();

  it("reads an Ed25519 PKCS8 PEM, also with literal \\n as env files write it", async () => {
    const key = await signingKeyFromPem(pem);
    expect(key.publicJwk.x).toBe(ed.publicKey.export({ format: "jwk" }).x);
    expect((await signingKeyFromPem(pem.trim().replace(/\n/g, "\\n"))).kid).toBe(key.kid);
  });

  it("refuses another key type, naming Ed25519", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    await expect(signingKeyFromPem(rsa)).rejects.toThrow(/is a rsa key; grants need an Ed25519 key/);
  });

  it("refuses garbage without echoing it", async () => {
    const garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldA==\n-----END PRIVATE KEY-----";
    const error = await signingKeyFromPem(garbage).catch((e: Error) => e);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as Error).message).toMatch(/COUNTERSIGN_SIGNING_KEY is not a readable private key/);
    expect((error as Error).message).not.toContain("c2VjcmV0");
  });
});

describe.each(DATABASE_KINDS)("stored signing keys on %s", (kind) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await database?.drop();
  });
  const prisma = () => database.prisma;
  const seconds = (at: Date, s: number) => new Date(at.getTime() + s * 1000);

  it("ensureSigningKey creates and activates one key, audited, and is idempotent", async () => {
    const cfg = config();
    const first = await ensureSigningKey(prisma(), cfg);
    expect(first).toMatchObject({ source: "database", created: true });
    const second = await ensureSigningKey(prisma(), cfg);
    expect(second).toEqual({ kid: first.kid, source: "database", created: false });

    const rows = await prisma().signingKey.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0].kid).toBe(first.kid);
    expect(rows[0].activatedAt).not.toBeNull();
    expect(rows[0].retiredAt).toBeNull();
    expect(rows[0].privateKeyEnc).toMatch(/^v1\./);
    expect(rows[0].publicJwk).not.toHaveProperty("d");

    const audit = await prisma().auditEvent.findMany({ where: { type: "keys.created" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: "system", subjectType: "signing_key", subjectId: first.kid });

    const active = await activeSigningKey(prisma(), cfg, new Date());
    expect(active.kid).toBe(first.kid);
    for (const marker of privateMarkers(active.privateKey)) {
      expect(JSON.stringify(rows)).not.toContain(marker);
      expect(json(audit)).not.toContain(marker);
    }
  });

  it("a different AUTH_SECRET stops start-up with a clear message", async () => {
    await ensureSigningKey(prisma(), config());
    await expect(ensureSigningKey(prisma(), config())).rejects.toThrow(/cannot be decrypted with this AUTH_SECRET/);
    await expect(activeSigningKey(prisma(), config(), new Date())).rejects.toThrow(SigningKeyError);
    expect(await prisma().signingKey.count()).toBe(1);
  });

  it("activeSigningKey says so when there is no key", async () => {
    await expect(activeSigningKey(prisma(), config(), new Date())).rejects.toThrow(/No active grant signing key/);
  });

  it("publicJwks holds only public members: never `d`", async () => {
    const cfg = config();
    await ensureSigningKey(prisma(), cfg);
    await rotateSigningKeys(prisma(), cfg, new Date(Date.now() + 10_000), { actor: CLI });
    const jwks = await publicJwks(prisma(), cfg, new Date(Date.now() + 10_000));
    expect(jwks.keys).toHaveLength(2);
    for (const jwk of jwks.keys) expect(Object.keys(jwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
  });

  it("publicJwks never copies extra members a row might hold", async () => {
    const cfg = config();
    const { kid } = await ensureSigningKey(prisma(), cfg);
    const row = await prisma().signingKey.findUniqueOrThrow({ where: { kid } });
    await prisma().signingKey.update({ where: { kid }, data: { publicJwk: { ...(row.publicJwk as object), d: "leaked" } } });
    const jwks = await publicJwks(prisma(), cfg, new Date());
    expect(JSON.stringify(jwks)).not.toContain("leaked");
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("rotation: publish, switch at activation, keep the old public key until its last grant lapses", async () => {
    const cfg = config();
    const { kid: oldKid } = await ensureSigningKey(prisma(), cfg);
    const t = new Date(Date.now() + 10_000);

    const rotation = await rotateSigningKeys(prisma(), cfg, t, { actor: CLI });
    const switchAt = seconds(t, KEY_ACTIVATION_DELAY_SECONDS);
    expect(rotation).toEqual({
      kid: expect.any(String),
      publishedAt: t,
      activatesAt: switchAt,
      previousKid: oldKid,
      previousRetiresAt: switchAt,
      previousUnpublishedAfter: seconds(switchAt, GRANT_TTL_SECONDS),
    });
    const newKid = rotation.kid;
    expect(newKid).not.toBe(oldKid);

    // Published at once, before it signs anything.
    const kids = async (at: Date) => (await publicJwks(prisma(), cfg, at)).keys.map((k) => k.kid).sort();
    expect(await kids(t)).toEqual([oldKid, newKid].sort());
    expect((await activeSigningKey(prisma(), cfg, t)).kid).toBe(oldKid);
    expect((await activeSigningKey(prisma(), cfg, new Date(switchAt.getTime() - 1))).kid).toBe(oldKid);

    // From activation, the new key signs.
    expect((await activeSigningKey(prisma(), cfg, switchAt)).kid).toBe(newKid);
    expect((await activeSigningKey(prisma(), cfg, seconds(switchAt, 3600))).kid).toBe(newKid);

    // The old key's last possible grant (signed just before the switch) expires by retiredAt + 300 s.
    expect(await kids(seconds(switchAt, GRANT_TTL_SECONDS))).toEqual([oldKid, newKid].sort());
    expect(await kids(new Date(seconds(switchAt, GRANT_TTL_SECONDS).getTime() + 1))).toEqual([newKid]);

    const rows = await prisma().signingKey.findMany({ orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.kid, r.retiredAt?.getTime() ?? null])).toEqual([
      [oldKid, switchAt.getTime()],
      [newKid, null],
    ]);
    expect(rows[1]).toMatchObject({ createdAt: t, activatedAt: switchAt });

    const audit = await prisma().auditEvent.findMany({ where: { type: "keys.rotated" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: "cli", subjectType: "signing_key", subjectId: newKid });
    expect(audit[0].data).toMatchObject({ kid: newKid, previousKid: oldKid, activatesAt: switchAt.toISOString() });
    const newKey = await activeSigningKey(prisma(), cfg, switchAt);
    for (const marker of [...privateMarkers(newKey.privateKey)]) {
      expect(json(audit)).not.toContain(marker);
      expect(JSON.stringify(rotation)).not.toContain(marker);
    }
  });

  it("refuses a second rotation while one is scheduled; rotates again once it has happened", async () => {
    const cfg = config();
    await ensureSigningKey(prisma(), cfg);
    const t = new Date(Date.now() + 10_000);
    const first = await rotateSigningKeys(prisma(), cfg, t, { actor: CLI });
    await expect(rotateSigningKeys(prisma(), cfg, seconds(t, 5), { actor: CLI })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(new RegExp(`already under way: key ${first.kid}`)),
    });
    const later = seconds(first.activatesAt, 1);
    const second = await rotateSigningKeys(prisma(), cfg, later, { actor: CLI });
    expect(second.previousKid).toBe(first.kid);
    expect(await prisma().signingKey.count()).toBe(3);
    expect(await prisma().auditEvent.count({ where: { type: "keys.rotated" } })).toBe(2);
  });

  it("activateAfterSeconds: 0 switches at once (an emergency rotation)", async () => {
    const cfg = config();
    const { kid: oldKid } = await ensureSigningKey(prisma(), cfg);
    const t = new Date(Date.now() + 10_000);
    const rotation = await rotateSigningKeys(prisma(), cfg, t, { actor: CLI, activateAfterSeconds: 0 });
    expect(rotation.activatesAt).toEqual(t);
    expect((await activeSigningKey(prisma(), cfg, t)).kid).toBe(rotation.kid);
    expect((await publicJwks(prisma(), cfg, t)).keys.map((k) => k.kid)).toContain(oldKid);
  });

  it("rotation refuses to run under a different AUTH_SECRET and leaves nothing behind", async () => {
    await ensureSigningKey(prisma(), config());
    await expect(rotateSigningKeys(prisma(), config(), new Date(Date.now() + 10_000), { actor: CLI })).rejects.toThrow(
      /cannot be decrypted/,
    );
    expect(await prisma().signingKey.count()).toBe(1);
    expect(await prisma().auditEvent.count({ where: { type: "keys.rotated" } })).toBe(0);
  });

  it("COUNTERSIGN_SIGNING_KEY: that key signs and is the whole JWKS; nothing is stored; rotation refuses", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const cfg = config({ COUNTERSIGN_SIGNING_KEY: privateKey.export({ format: "pem", type: "pkcs8" }).toString() });
    const x = publicKey.export({ format: "jwk" }).x!;
    const kid = createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest("base64url");

    expect(await ensureSigningKey(prisma(), cfg)).toEqual({ kid, source: "environment", created: false });
    expect(await prisma().signingKey.count()).toBe(0);
    expect((await activeSigningKey(prisma(), cfg, new Date())).kid).toBe(kid);
    expect(await publicJwks(prisma(), cfg, new Date())).toEqual({
      keys: [{ kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" }],
    });
    await expect(rotateSigningKeys(prisma(), cfg, new Date(), { actor: CLI })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/COUNTERSIGN_SIGNING_KEY is set/),
    });
    expect(await prisma().signingKey.count()).toBe(0);
    expect(await prisma().auditEvent.count()).toBe(0);
  });

  it("COUNTERSIGN_SIGNING_KEY overrides stored keys that already exist", async () => {
    const stored = await ensureSigningKey(prisma(), config());
    const { privateKey } = generateKeyPairSync("ed25519");
    const cfg = config({ COUNTERSIGN_SIGNING_KEY: privateKey.export({ format: "pem", type: "pkcs8" }).toString() });
    const active = await activeSigningKey(prisma(), cfg, new Date());
    expect(active.kid).not.toBe(stored.kid);
    expect((await publicJwks(prisma(), cfg, new Date())).keys.map((k) => k.kid)).toEqual([active.kid]);
  });

  it("concurrent ensureSigningKey calls on one connection pool create exactly one key", async () => {
    const cfg = config();
    const results = await Promise.all(Array.from({ length: 6 }, () => ensureSigningKey(prisma(), cfg)));
    expect(await prisma().signingKey.count()).toBe(1);
    expect(new Set(results.map((r) => r.kid)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await prisma().auditEvent.count({ where: { type: "keys.created" } })).toBe(1);
  });

  // Only PostgreSQL has concurrent connections; PGlite runs one transaction at a time.
  if (kind === "postgres") it("two instances starting at once create exactly one key", async () => {
    const cfg = config();
    const instances = await Promise.all([openPostgres(database.url!), openPostgres(database.url!), openPostgres(database.url!)]);
    try {
      const results = await Promise.all(instances.flatMap((i) => [ensureSigningKey(i.prisma, cfg), ensureSigningKey(i.prisma, cfg)]));
      expect(await prisma().signingKey.count()).toBe(1);
      expect(new Set(results.map((r) => r.kid)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    } finally {
      await Promise.all(instances.map((i) => i.close()));
    }
  });
});
