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

describe.each(DATABASE_KINDS)("bursts in the inbox on %s", (kind) => {
  let database: TestDatabase;
  const t0 = Date.parse("2027-03-01T09:00:00Z");
  const reviewer = { id: "", role: "approver" as const };
  const effect = (id: number) => ({
    summary: `Deletes 1 of 200 rows in \`public.items\` (8.0 kB).`,
    details: `row ${id}`,
    measured: { tables: [{ table: "public.items", action: "delete", rows: 1, totalRows: 200, sizeBytes: 8192, via: null, statement: 1 }], fingerprints: {}, incomplete: false },
  });
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    reviewer.id = (await database.prisma.user.create({ data: { email: "rita@bursts.example", role: "approver" } })).id;
    const bot = (await createAgent(database.prisma, { name: "burst-bot", environments: ["production"] }, { type: "system" })).agent;
    const other = (await createAgent(database.prisma, { name: "other-bot", environments: ["production"] }, { type: "system" })).agent;
    const make = (agentId: string, i: number, at: number, extra: Record<string, unknown> = {}) => ({
      agentId,
      status: "pending" as const,
      environment: "production",
      resource: "pg/orders",
      kind: "sql",
      operation: { kind: "sql", target: { environment: "production", resource: "pg/orders" }, sql: `DELETE FROM items WHERE id = ${i};` },
      operationDigest: `sha256:burst${agentId}${i}`,
      summary: `Remove item ${i}`,
      riskLevel: "medium" as const,
      findings: [],
      requiredApprovals: 1,
      expiresAt: new Date(t0 + 3_600_000 + i * 1000),
      createdAt: new Date(at),
      plannedEffect: effect(i),
      ...extra,
    });
    await database.prisma.request.createMany({
      data: [
        // Five, each 20 s after the previous (80 s in all): one burst; one of them high.
        ...Array.from({ length: 5 }, (_, i) => make(bot.id, i, t0 + i * 20_000, i === 3 ? { riskLevel: "high" } : {})),
        // Two minutes after the last: on its own.
        make(bot.id, 99, t0 + 200_000),
        // Decided while the burst came in: not part of it.
        make(bot.id, 50, t0 + 30_000, { status: "denied", decidedAt: new Date(t0 + 40_000) }),
        // Only two alike on another resource: listed one by one.
        make(bot.id, 60, t0, { resource: "pg/pair" }),
        make(bot.id, 61, t0 + 1000, { resource: "pg/pair" }),
        // Another agent, same target and time: a burst of its own.
        ...Array.from({ length: 3 }, (_, i) => make(other.id, 70 + i, t0 + i * 1000, { plannedEffect: null })),
      ],
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("lists a burst as one group — count, span, shared template, combined measured effect, highest risk — and its members nowhere else", async () => {
    const page = await listInbox(database.prisma, {}, { reviewer });
    expect(page.groups).toHaveLength(2);
    const burst = page.groups.find((g) => g.agentName === "burst-bot")!;
    expect(burst).toMatchObject({
      environment: "production",
      production: true,
      resource: "pg/orders",
      kind: "sql",
      count: 5,
      firstAt: new Date(t0).toISOString(),
      lastAt: new Date(t0 + 80_000).toISOString(),
      expiresAt: new Date(t0 + 3_600_000).toISOString(),
      riskLevel: "high",
      template: "DELETE FROM items WHERE id = $1;",
      templates: 1,
      effect: "Together: deletes 5 rows in `public.items` (all 5 measured).",
      canDenyAll: true,
    });
    expect(burst.members.map((m) => m.summary)).toEqual(["Remove item 0", "Remove item 1", "Remove item 2", "Remove item 3", "Remove item 4"]);
    expect(burst.members[0]).toMatchObject({ headline: "DELETE FROM items WHERE id = 0;", measured: "Deletes 1 of 200 rows in `public.items` (8.0 kB).", canDecide: true });
    expect(page.groups.find((g) => g.agentName === "other-bot")).toMatchObject({ count: 3, effect: null, riskLevel: "medium" });

    const members = new Set(page.groups.flatMap((g) => g.members.map((m) => m.id)));
    expect(members.size).toBe(8);
    expect(page.items.filter((i) => i.status === "pending").map((i) => i.summary).sort()).toEqual(["Remove item 60", "Remove item 61", "Remove item 99"]);
    expect(page.items.some((i) => members.has(i.id))).toBe(false);
    expect(page.items.find((i) => i.summary === "Remove item 99")).toMatchObject({ headline: "DELETE FROM items WHERE id = 99;", measured: "Deletes 1 of 200 rows in `public.items` (8.0 kB)." });
    // The counts are of requests, not rows.
    expect(page.counts).toEqual({ pending: 11, denied: 1 });
  });

  it("pages through the rest without the members; groups come with the first page only", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let first = true;
    do {
      const page = await listInbox(database.prisma, {}, { cursor, limit: 1, reviewer });
      expect(page.groups).toHaveLength(first ? 2 : 0);
      seen.push(...page.items.map((i) => i.summary));
      cursor = page.nextCursor;
      first = false;
    } while (cursor);
    expect(seen.sort()).toEqual(["Remove item 50", "Remove item 60", "Remove item 61", "Remove item 99"]);
  });

  it("groups under the filters, and not for a reviewer's closed tabs", async () => {
    expect((await listInbox(database.prisma, { agent: "other-bot" })).groups.map((g) => g.count)).toEqual([3]);
    // Only the high one is left under the risk filter: no burst.
    const high = await listInbox(database.prisma, { risk: "high" });
    expect(high.groups).toEqual([]);
    expect(high.items.map((i) => i.summary)).toEqual(["Remove item 3"]);
    expect((await listInbox(database.prisma, { status: "denied" })).groups).toEqual([]);
    expect((await listInbox(database.prisma, { status: "pending" })).groups).toHaveLength(2);
    // A viewer sees the group but cannot deny it all.
    const viewer = await database.prisma.user.create({ data: { email: "val@bursts.example", role: "viewer" } });
    expect((await listInbox(database.prisma, {}, { reviewer: { id: viewer.id, role: "viewer" } })).groups[0]!.canDenyAll).toBe(false);
  });

  // Last in this file: it adds requests the tests above do not expect.
  it("splits one agent's requests on one target into separate bursts where a gap of more than a minute falls", async () => {
    const twice = (await createAgent(database.prisma, { name: "twice-bot", environments: ["production"] }, { type: "system" })).agent;
    const at = [0, 10, 20, 200, 400, 410, 470, 600].map((s) => t0 + s * 1000);
    await database.prisma.request.createMany({
      data: at.map((createdAt, i) => ({
        agentId: twice.id,
        status: "pending" as const,
        environment: "production",
        resource: "pg/twice",
        kind: "sql",
        operation: { kind: "sql", target: { environment: "production", resource: "pg/twice" }, sql: `DELETE FROM t WHERE id = ${i}` },
        operationDigest: `sha256:twice${i}`,
        summary: `twice ${i}`,
        riskLevel: "medium" as const,
        findings: [],
        requiredApprovals: 1,
        expiresAt: new Date(t0 + 7_200_000 + i * 1000),
        createdAt: new Date(createdAt),
      })),
    });
    const page = await listInbox(database.prisma, { agent: "twice-bot" });
    expect(page.groups.map((g) => g.members.map((m) => m.summary))).toEqual([
      ["twice 0", "twice 1", "twice 2"],
      ["twice 4", "twice 5", "twice 6"],
    ]);
    expect(page.items.map((i) => i.summary).sort()).toEqual(["twice 3", "twice 7"]);
  });
});
