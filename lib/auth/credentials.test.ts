import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { createUser, setUserDisabled } from "../users";
import { FAILURE_LIMIT, FAILURE_WINDOW_MS } from "./failures";
import { ADDRESS_FAILURE_LIMIT, signInWithPassword, userForOidcIdentity } from "./credentials";

const PASSWORD = "correct horse battery staple";

describe.each(DATABASE_KINDS)("password sign-in on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await createUser(database.prisma, { email: "ana@example.com", role: "approver", password: PASSWORD }, { type: "system" });
    await createUser(database.prisma, { email: "sso@example.com", role: "viewer" }, { type: "system" });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it.each([
    ["the right password", "Ana@Example.com", PASSWORD, { ok: true }],
    ["a wrong password", "ana@example.com", "wrong password entirely", { ok: false, reason: "invalid" }],
    ["an unknown email", "nobody@example.com", PASSWORD, { ok: false, reason: "invalid" }],
    ["an empty password", "ana@example.com", "", { ok: false, reason: "invalid" }],
    ["a user without a password", "sso@example.com", PASSWORD, { ok: false, reason: "invalid" }],
  ])("%s", async (_name, email, password, expected) => {
    const result = await signInWithPassword(database.prisma, { email, password, address: "198.51.100.1" });
    expect(result).toMatchObject(expected);
  });

  it(`refuses an email and address after ${FAILURE_LIMIT} failures in a window, even with the right password`, async () => {
    await createUser(database.prisma, { email: "limited@example.com", role: "viewer", password: PASSWORD }, { type: "system" });
    const now = new Date(Math.floor(Date.now() / FAILURE_WINDOW_MS) * FAILURE_WINDOW_MS + 1000);
    const attempt = (password: string, address: string, at = now) => signInWithPassword(database.prisma, { email: "limited@example.com", password, address }, at);
    for (let i = 0; i < FAILURE_LIMIT; i++) expect(await attempt("wrong password", "203.0.113.7")).toMatchObject({ ok: false, reason: "invalid" });
    expect(await attempt(PASSWORD, "203.0.113.7")).toEqual({ ok: false, reason: "rate_limited" });
    // Another address is not affected. The next window still counts this one's failures (so 20
    // either side of a minute's boundary add up); the one after is clear.
    expect(await attempt(PASSWORD, "203.0.113.8")).toMatchObject({ ok: true });
    expect(await attempt(PASSWORD, "203.0.113.7", new Date(now.getTime() + FAILURE_WINDOW_MS))).toEqual({ ok: false, reason: "rate_limited" });
    expect(await attempt(PASSWORD, "203.0.113.7", new Date(now.getTime() + 2 * FAILURE_WINDOW_MS))).toMatchObject({ ok: true });
    // Failures are counted in auth_failures, not one audit row each.
    const failureRows = await database.prisma.auditEvent.count({ where: { type: "auth.failures" } });
    expect(failureRows).toBe(0);
  });

  it(`refuses an address after ${ADDRESS_FAILURE_LIMIT} failures spread over many emails`, async () => {
    await createUser(database.prisma, { email: "spread@example.com", role: "viewer", password: PASSWORD }, { type: "system" });
    const now = new Date(Math.floor(Date.now() / FAILURE_WINDOW_MS) * FAILURE_WINDOW_MS + 3 * FAILURE_WINDOW_MS + 1000);
    const attempt = (email: string, password: string, address: string) => signInWithPassword(database.prisma, { email, password, address }, now);
    for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) {
      expect(await attempt(`guess-${i}@example.com`, "wrong password", "203.0.113.66")).toMatchObject({ ok: false, reason: "invalid" });
    }
    expect(await attempt("spread@example.com", PASSWORD, "203.0.113.66")).toEqual({ ok: false, reason: "rate_limited" });
    expect(await attempt("spread@example.com", PASSWORD, "203.0.113.67")).toMatchObject({ ok: true });
  });

  it("records a successful sign-in in the audit log", async () => {
    const result = await signInWithPassword(database.prisma, { email: "ana@example.com", password: PASSWORD, address: "198.51.100.1" });
    expect(result.ok).toBe(true);
    const row = await database.prisma.auditEvent.findFirst({ where: { type: "user.signed_in" }, orderBy: { seq: "desc" } });
    expect(row?.actorId).toBe(result.ok ? result.user.id : null);
  });

  it("maps OIDC identities to existing, enabled users by verified email only", async () => {
    expect(await userForOidcIdentity(database.prisma, { email: "SSO@example.com", email_verified: true })).toMatchObject({ email: "sso@example.com" });
    expect(await userForOidcIdentity(database.prisma, { email: "sso@example.com", email_verified: false })).toBeNull();
    expect(await userForOidcIdentity(database.prisma, { email: "stranger@example.com" })).toBeNull();
    expect(await userForOidcIdentity(database.prisma, {})).toBeNull();
    expect(await database.prisma.user.count({ where: { email: "stranger@example.com" } })).toBe(0);
    await setUserDisabled(database.prisma, "sso@example.com", true, { type: "system" });
    expect(await userForOidcIdentity(database.prisma, { email: "sso@example.com" })).toBeNull();
  });
});
