import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/databases";
import * as password from "./password";
import { completeSetup, issueSetupToken } from "./setup";

// A spy that still hashes: it only records whether the slow hash ran.
vi.mock(import("./password"), async (original) => {
  const real = await original();
  return { ...real, hashPassword: vi.fn(real.hashPassword) };
});

describe("completeSetup", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("embedded");
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("checks the setup token before hashing the password", async () => {
    const prisma = database.prisma;
    const token = await issueSetupToken(prisma);
    const hash = vi.mocked(password.hashPassword);
    hash.mockClear();
    await expect(completeSetup(prisma, { token: "a-guess", email: "a@example.com", password: "a long enough password" })).rejects.toMatchObject({ code: "forbidden", status: 403 });
    expect(hash).not.toHaveBeenCalled();
    expect(await prisma.user.count()).toBe(0);

    await completeSetup(prisma, { token: token!, email: "first@example.com", password: "a long enough password" });
    expect(hash).toHaveBeenCalledTimes(1);
    expect(await prisma.user.count()).toBe(1);
  });
});
