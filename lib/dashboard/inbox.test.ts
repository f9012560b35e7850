import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { createAgent } from "../agents";
import { decodeCursor, encodeCursor, listInbox, parseInboxFilters } from "./inbox";

const STATUSES = ["pending", "approved", "denied", "expired", "executed"] as const;
const RISKS = ["low", "medium", "high", "critical"] as const;

describe.each(DATABASE_KINDS)("inbox on %s", (kind) => {
  let database: TestDatabase;
  const base = Date.parse("2026-06-01T12:00:00Z");
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const a = await createAgent(database.prisma, { name: "inbox-a", environments: ["production", "staging"] }, { type: "system" });
    const b = await createAgent(database.prisma, { name: "inbox-b", environments: ["production", "staging"] }, { type: "system" });
    // 120 requests; several share an expiry or creation time so ties must be broken by id.
    await database.prisma.request.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({
        agentId: i % 3 === 0 ? b.agent.id : a.agent.id,
        status: STATUSES[i % STATUSES.length],
        environment: i % 2 ? "production" : "staging",
        resource: `pg/r${i}`,
        kind: "sql",
        operation: { kind: "sql", target: { environment: "x", resource: "y" }, sql: `SELECT ${i}` },
        operationDigest: `sha256:${i}`,
        summary: `request ${i}`,
        riskLevel: RISKS[i % RISKS.length],
        findings: [],
        requiredApprovals: 1 + (i % 2),
        expiresAt: new Date(base + Math.floor(i / 4) * 60_000),
        createdAt: new Date(base - Math.floor(i / 3) * 60_000),
      })),
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function all(filters: Parameters<typeof listInbox>[1], limit: number) {
    const items = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listInbox(database.prisma, filters, { cursor, limit });
      items.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    return items;
  }

  it("lists pending first by soonest expiry, then the rest newest first, with no gaps or repeats across pages", async () => {
    const items = await all({}, 7);
    expect(items).toHaveLength(120);
    expect(new Set(items.map((i) => i.id)).size).toBe(120);
    const firstOther = items.findIndex((i) => i.status !== "pending");
    expect(items.slice(0, firstOther).every((i) => i.status === "pending")).toBe(true);
    expect(items.slice(firstOther).every((i) => i.status !== "pending")).toBe(true);
    const pending = items.slice(0, firstOther);
    for (let i = 1; i < pending.length; i++) expect(pending[i].expiresAt >= pending[i - 1].expiresAt).toBe(true);
    const rest = items.slice(firstOther);
    for (let i = 1; i < rest.length; i++) expect(rest[i].createdAt <= rest[i - 1].createdAt).toBe(true);
  });

  it("filters by agent, environment, risk and status, and counts per status", async () => {
    const page = await listInbox(database.prisma, { agent: "inbox-b", environment: "production", risk: "medium" }, { limit: 200 });
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((i) => i.agentName === "inbox-b" && i.environment === "production" && i.riskLevel === "medium")).toBe(true);
    expect(Object.values(page.counts).reduce((a, b) => a + b, 0)).toBe(page.items.length);
    const denied = await all({ status: "denied" }, 5);
    expect(denied).toHaveLength(24);
    expect(denied.every((i) => i.status === "denied")).toBe(true);
    const everything = await listInbox(database.prisma, {}, { limit: 1 });
    expect(everything.counts).toEqual({ pending: 24, approved: 24, denied: 24, expired: 24, executed: 24 });
  });

  it("marks production, including undefined environments", async () => {
    const page = await listInbox(database.prisma, { environment: "production" }, { limit: 3 });
    expect(page.items.every((i) => i.production)).toBe(true);
    // This database defines no environments at all: "staging" is unknown, so it counts as production.
    const staging = await listInbox(database.prisma, { environment: "staging" }, { limit: 3 });
    expect(staging.items.every((i) => i.production)).toBe(true);
  });

  it("refuses malformed cursors and filter values with 400 naming the parameter, and treats blank ones as no filter", async () => {
    expect(decodeCursor("not-a-cursor")).toBeNull();
    expect(decodeCursor(encodeCursor({ section: "rest", at: "2026-01-01T00:00:00.000Z", id: "x" }))).toBeNull();
    expect(parseInboxFilters(new URLSearchParams("risk=&status=pending&agent=%20"))).toEqual({ status: "pending" });
    for (const [query, field] of [
      ["risk=extreme", "risk"],
      ["status=approvedd", "status"],
      ["agent=deploy%00bot", "agent"],
      ["environment=%00", "environment"],
      [`agent=${"x".repeat(201)}`, "agent"],
    ]) {
      let refused: unknown;
      try {
        parseInboxFilters(new URLSearchParams(query));
      } catch (error) {
        refused = error;
      }
      expect(refused, query).toMatchObject({ status: 400, code: "bad_request", errors: [{ field }] });
    }
    for (const cursor of ["garbage", encodeCursor({ section: "rest", at: "2026-01-01T00:00:00.000Z", id: "x" }), "%00", "A".repeat(301)]) {
      await expect(listInbox(database.prisma, {}, { cursor, limit: 5 }), cursor).rejects.toMatchObject({ status: 400, errors: [{ field: "cursor" }] });
    }
    expect((await listInbox(database.prisma, {}, { cursor: null, limit: 5 })).items).toHaveLength(5);
  });
});

describe.each(DATABASE_KINDS)("inbox rows for the signed-in reviewer on %s", (kind) => {
  let database: TestDatabase;
  const ids: Record<string, string> = {};
  const users: Record<string, { id: string; role: "viewer" | "approver" | "admin" }> = {};
  const soon = () => new Date(Date.now() + 3_600_000);
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    for (const [name, role] of [["alice", "approver"], ["olga", "approver"], ["vic", "viewer"]] as const) {
      const user = await database.prisma.user.create({ data: { email: `${name}@inbox.example`, role } });
      users[name] = { id: user.id, role };
    }
    const { agent } = await createAgent(database.prisma, { name: "inbox-owned", environments: ["staging"] }, { type: "system" });
    await database.prisma.agent.update({ where: { id: agent.id }, data: { ownerId: users.olga.id } });
    const make = async (name: string, status: "pending" | "cooling_down" | "denied", extra: Record<string, unknown> = {}) => {
      const row = await database.prisma.request.create({
        data: {
          agentId: agent.id,
          status,
          environment: "staging",
          resource: `pg/${name}`,
          kind: "sql",
          operation: { kind: "sql", target: { environment: "staging", resource: `pg/${name}` }, sql: "DELETE FROM t" },
          operationDigest: `sha256:${name}`,
          summary: name,
          riskLevel: "critical",
          findings: [],
          requiredApprovals: 2,
          expiresAt: soon(),
          ...extra,
        },
      });
      ids[name] = row.id;
    };
    await make("open", "pending");
    await make("reviewed", "pending");
    await make("cooling", "cooling_down", { coolDownUntil: soon() });
    await make("closed", "denied", { decidedAt: new Date() });
    await database.prisma.review.create({ data: { requestId: ids.reviewed, reviewerId: users.alice.id, decision: "approve" } });
  });
  afterAll(async () => {
    await database?.drop();
  });

  const rows = async (reviewer: { id: string; role: "viewer" | "approver" | "admin" }) => {
    const page = await listInbox(database.prisma, {}, { reviewer });
    return Object.fromEntries(page.items.map((item) => [item.summary, item]));
  };

  it("files cooling-down approvals with the pending requests, before everything closed, with their cool-down end", async () => {
    const page = await listInbox(database.prisma, {}, { reviewer: users.alice });
    expect(page.items.map((i) => i.summary).slice(0, 3).sort()).toEqual(["cooling", "open", "reviewed"]);
    expect(page.items.at(-1)!.summary).toBe("closed");
    expect(page.items.find((i) => i.summary === "cooling")!.coolDownUntil).toMatch(/^\d{4}-/);
    // The pending tab stays pending only.
    expect((await listInbox(database.prisma, { status: "pending" })).items.map((i) => i.status)).toEqual(["pending", "pending"]);
  });

  it("says, per reviewer, whether they reviewed, own the agent, lack the role, or can decide", async () => {
    const alice = await rows(users.alice);
    expect(alice.open).toMatchObject({ myReview: null, ownAgent: false, canDecide: true, requiredRole: "approver" });
    expect(alice.reviewed).toMatchObject({ myReview: "approve", canDecide: false });
    expect(alice.cooling.canDecide).toBe(false);
    const olga = await rows(users.olga);
    expect(olga.open).toMatchObject({ myReview: null, ownAgent: true, canDecide: false });
    const vic = await rows(users.vic);
    expect(vic.open).toMatchObject({ myReview: null, ownAgent: false, canDecide: false });
  });
});

describe.each(DATABASE_KINDS)("inbox pages that mix pending and cooling-down requests on %s", (kind) => {
  let database: TestDatabase;
  const users: Array<{ id: string; role: "approver" }> = [];
  const expected: Array<{ id: string; expiresAt: number }> = [];
  const base = Date.parse("2027-01-01T00:00:00Z");
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    for (const name of ["ann", "bob", "cat"]) users.push({ id: (await database.prisma.user.create({ data: { email: `${name}@mixed.example`, role: "approver" } })).id, role: "approver" });
    const { agent } = await createAgent(database.prisma, { name: "inbox-mixed", environments: ["staging"] }, { type: "system" });
    // 23 waiting requests of both kinds whose expiries collide in threes, so that pages break inside a tie.
    for (let i = 0; i < 23; i++) {
      const expiresAt = new Date(base + Math.floor(i / 3) * 60_000);
      const row = await database.prisma.request.create({
        data: {
          agentId: agent.id,
          status: i % 4 === 1 ? "cooling_down" : "pending",
          ...(i % 4 === 1 ? { coolDownUntil: expiresAt } : {}),
          environment: "staging",
          resource: `pg/mixed${i}`,
          kind: "sql",
          operation: { kind: "sql", target: { environment: "staging", resource: `pg/mixed${i}` }, sql: `DELETE FROM t WHERE id = ${i}` },
          operationDigest: `sha256:mixed${i}`,
          summary: `mixed ${i}`,
          riskLevel: "high",
          findings: [],
          requiredApprovals: 3,
          expiresAt,
        },
      });
      expected.push({ id: row.id, expiresAt: expiresAt.getTime() });
    }
    expected.sort((a, b) => a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : 1));
    await database.prisma.request.create({
      data: { agentId: agent.id, status: "denied", environment: "staging", resource: "pg/closed", kind: "sql", operation: {}, operationDigest: "sha256:closed", summary: "closed", riskLevel: "low", findings: [], requiredApprovals: 1, expiresAt: new Date(base), decidedAt: new Date(base) },
    });
    // The first request in expiry order: two approvals and a denial.
    const first = expected[0]!.id;
    await database.prisma.review.createMany({
      data: [
        { requestId: first, reviewerId: users[0]!.id, decision: "approve" },
        { requestId: first, reviewerId: users[1]!.id, decision: "approve" },
        { requestId: first, reviewerId: users[2]!.id, decision: "deny" },
      ],
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("keeps soonest-expiry order across both statuses, page after page, with ties broken by id", async () => {
    for (const limit of [1, 2, 3, 4, 7, 50]) {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await listInbox(database.prisma, {}, { cursor, limit });
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 100);
      expect(ids.slice(0, 23), `limit ${limit}`).toEqual(expected.map((e) => e.id));
      expect(ids, `limit ${limit}`).toHaveLength(24);
    }
  });

  it("counts the approvals on each row and shows each reviewer their own review", async () => {
    const first = expected[0]!.id;
    const row = async (reviewer?: { id: string; role: "approver" }) => (await listInbox(database.prisma, {}, { limit: 3, reviewer })).items.find((i) => i.id === first)!;
    expect(await row()).toMatchObject({ approvals: 2, requiredApprovals: 3, myReview: null });
    expect(await row(users[0])).toMatchObject({ approvals: 2, myReview: "approve", canDecide: false });
    expect(await row(users[2])).toMatchObject({ approvals: 2, myReview: "deny", canDecide: false });
    const other = (await listInbox(database.prisma, {}, { limit: 3, reviewer: users[0] })).items.find((i) => i.id !== first)!;
    expect(other).toMatchObject({ approvals: 0, myReview: null });
  });
});
