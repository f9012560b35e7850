import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { authenticateUser, createUser, hasRole, setUserDisabled } from ".";
import { SETUP_TOKEN_TTL_MS, completeSetup, issueSetupToken, setupTokenIsValid } from "./setup";

describe("roles", () => {
  it("nest: viewer ⊂ approver ⊂ admin", () => {
    expect(hasRole("admin", "approver")).toBe(true);
    expect(hasRole("approver", "viewer")).toBe(true);
    expect(hasRole("approver", "admin")).toBe(false);
    expect(hasRole("viewer", "approver")).toBe(false);
  });
});

describe.each(DATABASE_KINDS)("users on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("expires a setup link one hour after it was issued", async () => {
    const fresh = await createTestDatabase(kind);
    try {
      const issuedAt = new Date();
      const token = await issueSetupToken(fresh.prisma, issuedAt);
      const at = (ms: number) => new Date(issuedAt.getTime() + ms);
      expect(SETUP_TOKEN_TTL_MS).toBe(60 * 60 * 1000);
      expect(await setupTokenIsValid(fresh.prisma, token!, at(SETUP_TOKEN_TTL_MS - 1000))).toBe(true);
      expect(await setupTokenIsValid(fresh.prisma, token!, at(SETUP_TOKEN_TTL_MS + 1000))).toBe(false);
      await expect(
        completeSetup(fresh.prisma, { token: token!, email: "late@example.com", password: "a long enough password" }, at(SETUP_TOKEN_TTL_MS + 1000)),
      ).rejects.toMatchObject({ code: "forbidden", status: 403 });
      expect(await fresh.prisma.user.count()).toBe(0);
      // Within the hour the same link still works.
      await completeSetup(fresh.prisma, { token: token!, email: "early@example.com", password: "a long enough password" }, at(SETUP_TOKEN_TTL_MS - 1000));
      expect(await fresh.prisma.user.count()).toBe(1);
    } finally {
      await fresh.drop();
    }
  });

  it("only lets a one-time setup link create the first admin, once", async () => {
    const prisma = database.prisma;
    const old = await issueSetupToken(prisma);
    const token = await issueSetupToken(prisma); // a restart renews it
    expect(await setupTokenIsValid(prisma, old!)).toBe(false);
    expect(await setupTokenIsValid(prisma, token!)).toBe(true);
    await expect(completeSetup(prisma, { token: "guess", email: "a@example.com", password: "a long enough password" })).rejects.toMatchObject({ code: "forbidden" });
    const results = await Promise.allSettled([
      completeSetup(prisma, { token: token!, email: "first@example.com", password: "a long enough password" }),
      completeSetup(prisma, { token: token!, email: "second@example.com", password: "a long enough password" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await prisma.user.count()).toBe(1);
    expect((await prisma.user.findFirstOrThrow()).role).toBe("admin");
    expect(await issueSetupToken(prisma)).toBeNull();
  });

  it("hashes passwords with argon2id and refuses disabled users", async () => {
    const prisma = database.prisma;
    const user = await createUser(prisma, { email: "Rev@Example.com", role: "approver", password: "correct horse battery" }, { type: "system" });
    expect(user.email).toBe("rev@example.com");
    const row = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await authenticateUser(prisma, "rev@example.com", "correct horse battery")).toMatchObject({ id: user.id });
    expect(await authenticateUser(prisma, "rev@example.com", "wrong password!!")).toBeNull();
    expect(await authenticateUser(prisma, "nobody@example.com", "correct horse battery")).toBeNull();
    await setUserDisabled(prisma, "rev@example.com", true, { type: "system" });
    expect(await authenticateUser(prisma, "rev@example.com", "correct horse battery")).toBeNull();
    await expect(createUser(prisma, { email: "rev@example.com", role: "viewer" }, { type: "system" })).rejects.toMatchObject({ code: "already_exists", status: 409 });
  });
});
