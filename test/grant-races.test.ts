// The races a grant's life can run into: concurrent redeems against a revoke, and several sweepers
// expiring the same request. Whatever the interleaving, a grant ends exactly one way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "./databases";
import { createHarness, type Harness } from "./api-harness";
import * as requestsRoute from "../app/api/v1/requests/route";
import * as redeemRoute from "../app/api/v1/grants/redeem/route";
import { decideRequest, expireDueRequests } from "../lib/requests";
import { openPostgres, type Database } from "../lib/db";

const sql = (statement: string) => ({ kind: "sql" as const, target: { environment: "staging", resource: "postgres/main" }, sql: statement });

describe.each(DATABASE_KINDS)("grant races on %s", (kind) => {
  let h: Harness;
  let agent: Awaited<ReturnType<Harness["agent"]>>;
  let approver: { id: string };
  // On PostgreSQL a second, independent handle: another instance's pool.
  let second: Database | undefined;

  beforeAll(async () => {
    h = await createHarness(kind);
    agent = await h.agent({ environments: ["staging"] });
    approver = await h.user("approver");
    if (kind === "postgres") second = await openPostgres(h.database.url!);
  });
  afterAll(async () => {
    await second?.close();
    await h?.close();
  });

  const create = (body: unknown) => h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body });
  const redeem = (token: string, operation: unknown) =>
    h.call(redeemRoute.POST, "POST", "/api/v1/grants/redeem", { key: agent.key, body: { token, operation } });

  it("never lets a grant be both redeemed and revoked, however redeems and a revoke interleave", async () => {
    const outcomes = { redeemed: 0, revoked: 0 };
    for (let round = 0; round < 8; round++) {
      const operation = sql(`UPDATE accounts SET plan = 'free' WHERE id = ${round}`);
      const created = await create({ operation });
      expect(created.body.status).toBe("approved"); // medium risk outside production: allowed
      const token = created.body.grant.token as string;
      const revoke = decideRequest(h.database.prisma, h.config, {
        requestId: created.body.id,
        reviewerId: approver.id,
        decision: { decision: "revoke", reason: "race" },
      }).then(
        () => ({ ok: true as const }),
        (error: { code?: string; status?: number }) => ({ ok: false as const, code: error.code, status: error.status }),
      );
      const redeems = Array.from({ length: 12 }, () => redeem(token, operation));
      const [revoked, ...answers] = await Promise.all([revoke, ...redeems]);

      const statuses = answers.map((a) => a.status);
      const grant = await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: created.body.id } });
      const request = await h.database.prisma.request.findUniqueOrThrow({ where: { id: created.body.id } });
      if (revoked.ok) {
        outcomes.revoked++;
        expect(statuses.every((s) => s === 409)).toBe(true);
        expect(answers.every((a) => a.body.code === "grant_revoked")).toBe(true);
        expect(request.status).toBe("revoked");
        expect(grant.revokedAt).not.toBeNull();
        expect(grant.redeemedAt).toBeNull();
      } else {
        outcomes.redeemed++;
        expect(revoked).toMatchObject({ code: "grant_already_redeemed", status: 409 });
        expect(statuses.filter((s) => s === 200)).toHaveLength(1);
        expect(statuses.filter((s) => s === 409)).toHaveLength(11);
        expect(request.status).toBe("approved");
        expect(grant.redeemedAt).not.toBeNull();
        expect(grant.revokedAt).toBeNull();
      }
      const audit = await h.database.prisma.auditEvent.findMany({
        where: { subjectId: created.body.id, type: { in: ["grant.redeemed", "grant.revoked"] } },
      });
      expect(audit).toHaveLength(1);
    }
    expect(outcomes.redeemed + outcomes.revoked).toBe(8);
  });

  it("expires a request exactly once when two instances sweep at the same moment", async () => {
    const sweepers = second ? [h.database.prisma, second.prisma] : [h.database.prisma, h.database.prisma];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ operation: sql(`DROP TABLE tmp_${i}`), ttlSeconds: 10 })).body.id);
    await h.database.prisma.$executeRawUnsafe(`UPDATE requests SET expires_at = now() - interval '1 second' WHERE id = ANY($1::uuid[])`, ids);
    const counts = await Promise.all([...sweepers, ...sweepers].map((prisma) => expireDueRequests(prisma)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5);
    for (const id of ids) {
      expect((await h.database.prisma.request.findUniqueOrThrow({ where: { id } })).status).toBe("expired");
      expect(await h.database.prisma.auditEvent.count({ where: { type: "request.expired", subjectId: id } })).toBe(1);
    }
  });

  it("expires an approved request whose grant lapsed unredeemed, once, and refuses the grant afterwards", async () => {
    const operation = sql("UPDATE accounts SET plan = 'pro' WHERE id = 99");
    const created = await create({ operation });
    expect(created.body.status).toBe("approved");
    await h.database.prisma.$executeRawUnsafe(`UPDATE grants SET expires_at = now() - interval '1 second' WHERE request_id = $1::uuid`, created.body.id);
    const sweepers = second ? [h.database.prisma, second.prisma] : [h.database.prisma, h.database.prisma];
    const counts = await Promise.all(sweepers.map((prisma) => expireDueRequests(prisma)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    const request = await h.database.prisma.request.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(request.status).toBe("expired");
    const events = await h.database.prisma.auditEvent.findMany({ where: { type: "request.expired", subjectId: created.body.id } });
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ was: "approved" });
    const res = await redeem(created.body.grant.token, operation);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("grant_expired");
    expect((await h.database.prisma.grant.findUniqueOrThrow({ where: { requestId: created.body.id } })).redeemedAt).toBeNull();
  });
});
