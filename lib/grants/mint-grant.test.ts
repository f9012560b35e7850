import { createHash, randomUUID } from "node:crypto";
import { createLocalJWKSet } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { loadConfig, type Config } from "../env";
import { CLI } from "../actors";
import { isUniqueViolation } from "../errors";
import {
  GRANT_TTL_SECONDS,
  KEY_ACTIVATION_DELAY_SECONDS,
  ensureSigningKey,
  mintGrant,
  operationDigest,
  publicJwks,
  rotateSigningKeys,
  verifyGrantToken,
  verifyStoredGrant,
} from ".";

const config = (): Config =>
  loadConfig({
    NODE_ENV: "test",
    AUTH_SECRET: createHash("sha256").update(randomUUID()).digest("base64url"),
    COUNTERSIGN_URL: "https://countersign.example",
  });

describe.each(DATABASE_KINDS)("mintGrant on %s", (kind) => {
  let database: TestDatabase;
  let cfg: Config;
  beforeEach(async () => {
    database = await createTestDatabase(kind);
    cfg = config();
  });
  afterEach(async () => {
    await database?.drop();
  });
  const prisma = () => database.prisma;

  /** An approved request of a fresh agent, as the requests module would have stored it. */
  async function approvedRequest(resource = "postgres/main", environment = "production", client = prisma()) {
    const operation = { kind: "sql", target: { environment, resource }, sql: "DROP TABLE customers;" };
    const agent = await client.agent.create({ data: { name: `agent-${randomUUID()}`, environments: [environment], scopes: [] } });
    return client.request.create({
      data: {
        agentId: agent.id,
        status: "approved",
        environment,
        resource,
        kind: "sql",
        operation,
        operationDigest: operationDigest(operation),
        riskLevel: "critical",
        findings: [],
        requiredApprovals: 2,
        expiresAt: new Date(Date.now() + 900_000),
      },
    });
  }

  it("signs with the active key, stores the grant row, and the token verifies from the JWKS", async () => {
    const { kid } = await ensureSigningKey(prisma(), cfg);
    const request = await approvedRequest();
    const now = new Date();
    const minted = await prisma().$transaction((tx) => mintGrant(tx, cfg, { request, approvers: ["r1", "r2"], now }));

    const iat = Math.floor(now.getTime() / 1000);
    expect(minted.expiresAt).toEqual(new Date((iat + GRANT_TTL_SECONDS) * 1000));
    const row = await prisma().grant.findUniqueOrThrow({ where: { jti: minted.jti } });
    expect(row).toMatchObject({
      requestId: request.id,
      kid,
      token: minted.token,
      issuedAt: new Date(iat * 1000),
      expiresAt: minted.expiresAt,
      redeemedAt: null,
      revokedAt: null,
    });

    const jwks = createLocalJWKSet(await publicJwks(prisma(), cfg, now));
    const claims = await verifyGrantToken(minted.token, {
      jwks,
      issuer: "https://countersign.example",
      audience: "postgres/main",
      environment: "production",
      now,
    });
    expect(claims).toMatchObject({
      sub: request.agentId,
      req: request.id,
      op: request.operationDigest,
      jti: minted.jti,
      approvers: ["r1", "r2"],
      aud: "postgres/main",
      env: "production",
    });
    expect(JSON.parse(Buffer.from(minted.token.split(".")[0], "base64url").toString()).kid).toBe(kid);
  });

  it("a request has one grant: a second mint fails on the unique request id", async () => {
    await ensureSigningKey(prisma(), cfg);
    const request = await approvedRequest();
    const now = new Date();
    await prisma().$transaction((tx) => mintGrant(tx, cfg, { request, approvers: [], now }));
    const error = await prisma()
      .$transaction((tx) => mintGrant(tx, cfg, { request, approvers: [], now }))
      .catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    expect(await prisma().grant.count({ where: { requestId: request.id } })).toBe(1);
  });

  it("leaves no grant row when the caller's transaction rolls back", async () => {
    await ensureSigningKey(prisma(), cfg);
    const request = await approvedRequest();
    await expect(
      prisma().$transaction(async (tx) => {
        await mintGrant(tx, cfg, { request, approvers: [], now: new Date() });
        throw new Error("decision failed");
      }),
    ).rejects.toThrow("decision failed");
    expect(await prisma().grant.count()).toBe(0);
  });

  it("refuses a request whose digest is not an operation digest, and works only with a key", async () => {
    const request = await approvedRequest();
    await expect(
      prisma().$transaction((tx) => mintGrant(tx, cfg, { request: { ...request, operationDigest: "abc" }, approvers: [], now: new Date() })),
    ).rejects.toThrow(/operationDigest/);
    await expect(
      prisma().$transaction((tx) => mintGrant(tx, cfg, { request, approvers: [], now: new Date() })),
    ).rejects.toThrow(/No active grant signing key/);
    expect(await prisma().grant.count()).toBe(0);
  });

  it("across a rotation: new grants carry the new kid, old ones verify until they lapse, then the old key is gone", async () => {
    const { kid: oldKid } = await ensureSigningKey(prisma(), cfg);
    const t = new Date(Date.now() + 10_000);
    const rotation = await rotateSigningKeys(prisma(), cfg, t, { actor: CLI });
    const switchAt = rotation.activatesAt;
    expect(switchAt.getTime() - t.getTime()).toBe(KEY_ACTIVATION_DELAY_SECONDS * 1000);

    const mintAt = async (now: Date) => {
      const request = await approvedRequest();
      return prisma().$transaction((tx) => mintGrant(tx, cfg, { request, approvers: ["r1"], now }));
    };
    const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid as string;
    const verifyAt = async (token: string, now: Date) =>
      verifyGrantToken(token, {
        jwks: createLocalJWKSet(await publicJwks(prisma(), cfg, now)),
        issuer: cfg.publicUrl,
        audience: "postgres/main",
        environment: "production",
        now,
      });

    const beforeSwitch = await mintAt(new Date(switchAt.getTime() - 1000));
    const afterSwitch = await mintAt(switchAt);
    expect(kidOf(beforeSwitch.token)).toBe(oldKid);
    expect(kidOf(afterSwitch.token)).toBe(rotation.kid);
    expect((await prisma().grant.findUniqueOrThrow({ where: { jti: afterSwitch.jti } })).kid).toBe(rotation.kid);

    // The old key's last grant still verifies, from a JWKS fetched at that moment, until it expires...
    const lastSecond = new Date(beforeSwitch.expiresAt.getTime() - 1);
    expect((await verifyAt(beforeSwitch.token, lastSecond)).jti).toBe(beforeSwitch.jti);
    // ...and the old key leaves the JWKS only after retiredAt + 300 s, never before its grants lapse.
    expect(beforeSwitch.expiresAt.getTime()).toBeLessThanOrEqual(rotation.previousUnpublishedAfter!.getTime());
    const gone = new Date(rotation.previousUnpublishedAfter!.getTime() + 1);
    const kids = (await publicJwks(prisma(), cfg, gone)).keys.map((k) => k.kid);
    expect(kids).toEqual([rotation.kid]);
    // A grant checked against that later JWKS is refused as unknown, whatever its clock says.
    await expect(
      verifyGrantToken(beforeSwitch.token, {
        jwks: createLocalJWKSet(await publicJwks(prisma(), cfg, gone)),
        issuer: cfg.publicUrl,
        audience: "postgres/main",
        environment: "production",
        now: lastSecond,
      }),
    ).rejects.toMatchObject({ code: "grant_invalid" });
    // The new key's grants are unaffected.
    expect((await verifyAt(afterSwitch.token, new Date(switchAt.getTime() + 1000))).jti).toBe(afterSwitch.jti);
  });

  it("verifyStoredGrant: this server's keys and issuer, any resource; refuses foreign and expired grants", async () => {
    await ensureSigningKey(prisma(), cfg);
    const request = await approvedRequest("s3/backups", "staging");
    const now = new Date();
    const minted = await prisma().$transaction((tx) => mintGrant(tx, cfg, { request, approvers: [], now }));
    expect(await verifyStoredGrant(prisma(), cfg, minted.token, now)).toMatchObject({ jti: minted.jti, aud: "s3/backups", env: "staging" });
    await expect(verifyStoredGrant(prisma(), cfg, minted.token, minted.expiresAt)).rejects.toMatchObject({ code: "grant_expired" });
    await expect(verifyStoredGrant(prisma(), { ...cfg, publicUrl: "https://other.example" }, minted.token, now)).rejects.toMatchObject({
      code: "grant_invalid",
    });

    // A grant from another Countersign (another database, same URL) does not verify here.
    const other = await createTestDatabase(kind);
    try {
      const otherCfg = config();
      await ensureSigningKey(other.prisma, otherCfg);
      const otherRequest = await approvedRequest("s3/backups", "staging", other.prisma);
      const foreign = await other.prisma.$transaction((tx) => mintGrant(tx, otherCfg, { request: otherRequest, approvers: [], now }));
      await expect(verifyStoredGrant(prisma(), cfg, foreign.token, now)).rejects.toMatchObject({ code: "grant_invalid" });
    } finally {
      await other.drop();
    }
  });
});
