import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { verifyAuditChain } from "../audit";
import { AppError } from "../errors";
import { flushAuthFailures } from "./failures";
import { recordReviewerRefusal } from "./refusals";

describe.each(DATABASE_KINDS)("refused reviewer actions on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("audits the first refusal per source and kind of refusal, counts every one, and flushes the counts as summary rows", async () => {
    const requestId = "6f1c2a8e-0b7d-4c55-9a3e-2d4f6b8a1c0e";
    const source = "192.0.2.40";
    const viewer = "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b";
    for (let i = 0; i < 12; i++) {
      await recordReviewerRefusal(database.prisma, source, new AppError("role_required", "needs approver"), { action: "approve", userId: viewer, requestId });
    }
    await recordReviewerRefusal(database.prisma, source, new AppError("cross_site_request", "cross-site"), { action: "approve" });
    // An ordinary mistake is not a refusal to record.
    await recordReviewerRefusal(database.prisma, source, new AppError("confirmation_required", "type the resource"), { action: "approve", userId: viewer });

    const rows = await database.prisma.auditEvent.findMany({ where: { type: "reviewer.refused" }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [(r.data as { code: string }).code, r.actorType, r.subjectId])).toEqual([
      ["role_required", "user", requestId],
      ["cross_site_request", "anonymous", null],
    ]);
    const counted = await database.prisma.authFailure.findMany({ where: { kind: "reviewer_refused" } });
    // Summed per source: the calls may straddle a minute's boundary, two windows then.
    const bySource: Record<string, number> = {};
    for (const c of counted) bySource[c.source] = (bySource[c.source] ?? 0) + c.count;
    expect(bySource).toEqual({ [`${source} role_required`]: 12, [`${source} cross_site_request`]: 1 });

    await flushAuthFailures(database.prisma, new Date(Date.now() + 120_000));
    const summaries = (await database.prisma.auditEvent.findMany({ where: { type: "auth.failures" } })).map((e) => e.data as { source: string; kind: string; count: number });
    expect(summaries.filter((s) => s.kind === "reviewer_refused").reduce((n, s) => n + s.count, 0)).toBe(13);
    expect((await verifyAuditChain(database.prisma)).ok).toBe(true);
  });
});
