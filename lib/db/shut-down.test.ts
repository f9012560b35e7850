import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/databases";
import { database, shutDownDatabase, useDatabase } from ".";

describe("the process's database after shutdown", () => {
  it("is closed and never reopened: database() refuses with 503 instead", async () => {
    const test = await createTestDatabase("embedded");
    useDatabase(test);
    expect((await database()).kind).toBe("embedded");
    await shutDownDatabase();
    await expect(test.prisma.auditEvent.count()).rejects.toThrow();
    await expect(database()).rejects.toMatchObject({ name: "AppError", code: "unavailable", status: 503 });
    await expect(database()).rejects.toMatchObject({ code: "unavailable" });
  });
});
