import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { createAgent } from ".";
import { agentActivity } from "./activity";

describe.each(DATABASE_KINDS)("agent activity on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("counts each agent's requests in the window by status and lists its newest first", async () => {
    const prisma = database.prisma;
    const busy = await createAgent(prisma, { name: "activity-busy", environments: ["staging"] }, { type: "system" });
    const quiet = await createAgent(prisma, { name: "activity-quiet", environments: ["staging"] }, { type: "system" });
    const idle = await createAgent(prisma, { name: "activity-idle", environments: ["staging"] }, { type: "system" });
    const now = Date.parse("2026-06-10T12:00:00Z");
    const statuses = ["executed", "executed", "denied", "pending", "approved", "executed", "expired"] as const;
    const row = (agentId: string, i: number, status: string, minutesAgo: number) => ({
      agentId,
      status: status as never,
      environment: "staging",
      resource: "pg/app",
      kind: "sql",
      operation: { kind: "sql", target: { environment: "staging", resource: "pg/app" }, sql: `DELETE FROM t WHERE id = ${i};` },
      operationDigest: `sha256:${agentId}:${i}`,
      riskLevel: "medium" as const,
      findings: [],
      requiredApprovals: 1,
      expiresAt: new Date(now + 60_000),
      createdAt: new Date(now - minutesAgo * 60_000),
    });
    await prisma.request.createMany({
      data: [
        ...statuses.map((status, i) => row(busy.agent.id, i, status, i * 10)),
        row(quiet.agent.id, 100, "denied", 30),
        // Older than the window: not counted, not listed.
        row(quiet.agent.id, 101, "executed", 60 * 24 * 8),
      ],
    });

    const activity = await agentActivity(prisma, new Date(now - 7 * 24 * 3600_000), 5);
    const busyActivity = activity.get(busy.agent.id)!;
    expect(busyActivity.total).toBe(7);
    expect(busyActivity.counts).toEqual({ executed: 3, denied: 1, pending: 1, approved: 1, expired: 1 });
    expect(busyActivity.recent.map((r) => (r.operation as { sql: string }).sql)).toEqual([0, 1, 2, 3, 4].map((i) => `DELETE FROM t WHERE id = ${i};`));
    expect(busyActivity.recent[0]).toMatchObject({ status: "executed", riskLevel: "medium", kind: "sql", resource: "pg/app", environment: "staging" });
    expect(busyActivity.recent[0].createdAt.toISOString()).toBe("2026-06-10T12:00:00.000Z");
    expect(activity.get(quiet.agent.id)).toMatchObject({ total: 1, counts: { denied: 1 } });
    expect(activity.get(quiet.agent.id)!.recent).toHaveLength(1);
    expect(activity.has(idle.agent.id)).toBe(false);
  });
});
