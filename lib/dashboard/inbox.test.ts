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

  it("ignores malformed cursors and filters", async () => {
    expect(decodeCursor("not-a-cursor")).toBeNull();
    expect(decodeCursor(encodeCursor({ section: "rest", at: "2026-01-01T00:00:00.000Z", id: "x" }))).toBeNull();
    expect(parseInboxFilters(new URLSearchParams("risk=extreme&status=pending&agent=%20"))).toEqual({ status: "pending" });
    const page = await listInbox(database.prisma, {}, { cursor: "garbage", limit: 5 });
    expect(page.items).toHaveLength(5);
  });
});
