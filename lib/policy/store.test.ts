import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { DEFAULT_POLICY_RULES } from "./defaults";
import { currentPolicy, savePolicy } from "./store";

describe.each(DATABASE_KINDS)("saving the policy on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("makes no new version when the rules and thresholds are exactly the version in force", async () => {
    const actor = { type: "system" as const };
    const breaker = { count: 5, windowSeconds: 120, minRisk: "high" as const, statuses: ["denied"] };
    const first = await savePolicy(database.prisma, DEFAULT_POLICY_RULES, actor, "with a breaker", breaker);
    expect(first.unchanged).toBeUndefined();
    const changes = () => database.prisma.auditEvent.count({ where: { type: "policy.changed" } });
    const before = await changes();
    const again = await savePolicy(database.prisma, structuredClone(DEFAULT_POLICY_RULES), actor, "re-imported", { ...breaker });
    expect(again).toMatchObject({ version: first.version, unchanged: true, note: "with a breaker" });
    expect(await changes()).toBe(before);
    expect((await currentPolicy(database.prisma)).version).toBe(first.version);
    // Different thresholds (here: the defaults again) are a change.
    const changed = await savePolicy(database.prisma, DEFAULT_POLICY_RULES, actor, "default breaker");
    expect(changed.version).toBe(first.version + 1);
    expect(changed.unchanged).toBeUndefined();
    expect(await changes()).toBe(before + 1);
  });
});
