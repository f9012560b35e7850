import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import { CreateRequest, createRequest } from "../requests";
import { currentPolicy, savePolicy } from "../policy/store";

describe.each(DATABASE_KINDS)("the circuit breaker's bursts of medium requests on %s", (kind) => {
  let h: Harness;
  const prisma = () => h.database.prisma;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function sendMediumDeletes(count: number) {
    const agent = await h.agent();
    const caller = {
      agent: await prisma().agent.findUniqueOrThrow({ where: { id: agent.id } }),
      key: await prisma().agentKey.findUniqueOrThrow({ where: { id: agent.keyId } }),
    } as never;
    const statuses: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = CreateRequest.parse({ operation: { kind: "sql", target: { environment: "production", resource: "postgres/shop" }, sql: `DELETE FROM items WHERE id = ${i};` } });
      const { view } = await createRequest(prisma(), h.config, { caller, body });
      expect(view.risk.level).toBe("medium");
      statuses.push(view.status);
    }
    return { agent: await prisma().agent.findUniqueOrThrow({ where: { id: agent.id } }), statuses };
  }

  it("leaves medium requests alone by default, and quarantines a burst of them when the policy counts it", async () => {
    const calm = await sendMediumDeletes(6);
    expect(calm.agent.quarantinedAt).toBeNull();
    expect(calm.statuses).toEqual(Array(6).fill("pending"));

    const policy = await currentPolicy(prisma());
    await savePolicy(prisma(), policy.rules, { type: "system" }, "count bursts of medium requests", {
      count: 20,
      windowSeconds: 600,
      minRisk: "critical",
      statuses: ["denied"],
      bursts: [{ minRisk: "medium", count: 5, windowSeconds: 60 }],
    });
    const loop = await sendMediumDeletes(5);
    expect(loop.agent.quarantineReason).toBe(
      "Agent quarantined by the circuit breaker: Quarantined: 5 medium-or-higher requests in the last 1 minute (burst threshold 5).",
    );
    // The fifth tripped it: it and the four before it are denied.
    expect(loop.statuses).toEqual(["pending", "pending", "pending", "pending", "denied"]);
    expect(await prisma().request.count({ where: { agentId: loop.agent.id, status: "pending" } })).toBe(0);
    const event = await prisma().auditEvent.findFirstOrThrow({ where: { type: "agent.quarantined", subjectId: loop.agent.id } });
    expect((event.data as { evidence: string[] }).evidence).toHaveLength(5);
  });
});
