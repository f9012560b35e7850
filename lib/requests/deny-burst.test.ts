import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import { CreateRequest, createRequest, decideRequest, denyBurst, waitForDecision } from ".";

describe.each(DATABASE_KINDS)("denying a burst on %s", (kind) => {
  let h: Harness;
  const prisma = () => h.database.prisma;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function burstOf(count: number, resource = h.unique("postgres/shop")) {
    const agent = await h.agent();
    const caller = {
      agent: await prisma().agent.findUniqueOrThrow({ where: { id: agent.id } }),
      key: await prisma().agentKey.findUniqueOrThrow({ where: { id: agent.keyId } }),
    } as never;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = CreateRequest.parse({ operation: { kind: "sql", target: { environment: "production", resource }, sql: `DELETE FROM items WHERE id = ${i};` }, summary: `Remove item ${i}` });
      const { view } = await createRequest(prisma(), h.config, { caller, body });
      expect(view.status).toBe("pending");
      ids.push(view.id);
    }
    const rows = await prisma().request.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: "asc" } });
    const burst = { agentId: agent.id, environment: "production", resource, kind: "sql", firstAt: rows[0]!.createdAt.toISOString(), lastAt: rows.at(-1)!.createdAt.toISOString() };
    return { agent, ids, burst };
  }

  it("denies every pending member with the one reason, each with its own review and audit rows, and wakes a waiting agent", async () => {
    const reviewer = await h.user("approver");
    const { agent, ids, burst } = await burstOf(5);
    const other = await burstOf(3, burst.resource);
    const waiting = waitForDecision(h.database, h.config, agent.id, ids[2]!, 30);
    // Decided by someone else meanwhile: left as it is and reported.
    const colleague = await h.user("approver");
    await decideRequest(prisma(), h.config, { requestId: ids[4]!, reviewerId: colleague.id, decision: { decision: "approve" } });

    const result = await denyBurst(prisma(), h.config, reviewer.id, { ...burst, reason: "A loop is deleting items one by one; stop it." });
    expect(result.denied.sort()).toEqual(ids.slice(0, 4).sort());
    expect(result.skipped).toEqual([]);
    expect(result.remaining).toBe(0);

    const rows = await prisma().request.findMany({ where: { id: { in: ids } }, include: { reviews: true } });
    for (const row of rows.filter((r) => r.id !== ids[4])) {
      expect(row).toMatchObject({ status: "denied", reason: "A loop is deleting items one by one; stop it." });
      expect(row.reviews).toEqual([expect.objectContaining({ reviewerId: reviewer.id, decision: "deny", reason: "A loop is deleting items one by one; stop it." })]);
      const audit = await prisma().auditEvent.findMany({ where: { subjectType: "request", subjectId: row.id, type: { in: ["review.denied", "request.denied"] } } });
      expect(audit.map((a) => a.type).sort()).toEqual(["request.denied", "review.denied"]);
    }
    expect(rows.find((r) => r.id === ids[4])!.status).toBe("approved");
    expect((await waiting).status).toBe("denied");
    // Another agent's burst on the same target is not touched.
    expect(await prisma().request.count({ where: { id: { in: other.ids }, status: "pending" } })).toBe(3);
  });

  it.each([
    ["a viewer", "viewer", "role_required"],
  ] as const)("refuses %s", async (_, role, code) => {
    const { burst, ids } = await burstOf(3);
    const user = await h.user(role);
    await expect(denyBurst(prisma(), h.config, user.id, { ...burst, reason: "no" })).rejects.toMatchObject({ code });
    expect(await prisma().request.count({ where: { id: { in: ids }, status: "pending" } })).toBe(3);
  });

  it("asks for a reason, and says when nothing is left to deny", async () => {
    const reviewer = await h.user("approver");
    const { burst } = await burstOf(3);
    await expect(denyBurst(prisma(), h.config, reviewer.id, { ...burst, reason: "  " })).rejects.toMatchObject({ code: "validation_failed" });
    await denyBurst(prisma(), h.config, reviewer.id, { ...burst, reason: "Stop." });
    await expect(denyBurst(prisma(), h.config, reviewer.id, { ...burst, reason: "Stop." })).rejects.toMatchObject({ code: "request_already_decided" });
  });

  it("skips, and reports, a member this reviewer already approved", async () => {
    const reviewer = await h.user("approver");
    const { burst, ids } = await burstOf(3);
    // With two approvals needed, the reviewer's own approval leaves it pending.
    await prisma().request.update({ where: { id: ids[1]! }, data: { requiredApprovals: 2 } });
    await decideRequest(prisma(), h.config, { requestId: ids[1]!, reviewerId: reviewer.id, decision: { decision: "approve" } });
    const result = await denyBurst(prisma(), h.config, reviewer.id, { ...burst, reason: "Stop." });
    expect(result.denied.sort()).toEqual([ids[0]!, ids[2]!].sort());
    expect(result.skipped).toEqual([{ id: ids[1]!, code: "already_reviewed", message: expect.any(String) }]);
  });
});
