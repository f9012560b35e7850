import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { verifyAuditChain } from "../audit";
import { createAgent } from "../agents";
import { authenticateRequest } from "../http/with-agent";
import { CLIENT_ADDRESS_HEADER } from "../http/client-address";
import { isAppError } from "../errors";
import { FAILURE_LIMIT, FAILURE_WINDOW_MS, OTHER_SOURCES, SOURCES_PER_WINDOW, failureCount, flushAuthFailures, recordAuthFailure } from "./failures";

describe.each(DATABASE_KINDS)("failed authentication on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  // Each test uses its own window, far from the others, so flushes do not mix.
  const windowAt = (n: number) => new Date(Math.floor(Date.UTC(2026, 0, 1) / FAILURE_WINDOW_MS + n * 10) * FAILURE_WINDOW_MS + 5_000);
  const failureRows = async (windowStart: Date) =>
    (await database.prisma.auditEvent.findMany({ where: { type: "auth.failures" }, orderBy: { seq: "asc" } }))
      .map((r) => r.data as { source: string; kind: string; windowStart: string; count: number; sources?: number })
      .filter((d) => d.windowStart === new Date(Math.floor(windowStart.getTime() / FAILURE_WINDOW_MS) * FAILURE_WINDOW_MS).toISOString());

  it("counts failures per source and flushes one summary row per source and closed window", async () => {
    const at = windowAt(1);
    for (let i = 0; i < 3; i++) await recordAuthFailure(database.prisma, "198.51.100.1", "api_key", at);
    expect(await recordAuthFailure(database.prisma, "198.51.100.2", "api_key", at)).toBe(1);
    expect(await recordAuthFailure(database.prisma, "198.51.100.2", "api_key", at)).toBe(2);
    await recordAuthFailure(database.prisma, "sign-in:ana@example.com", "sign_in", at);

    // The window is still open: nothing is written yet.
    expect(await flushAuthFailures(database.prisma, at)).toBe(0);
    const later = new Date(at.getTime() + FAILURE_WINDOW_MS);
    expect(await flushAuthFailures(database.prisma, later)).toBe(3);
    expect(await flushAuthFailures(database.prisma, later)).toBe(0);

    const rows = await failureRows(at);
    expect(rows.map(({ source, kind, count }) => ({ source, kind, count })).sort((a, b) => a.source.localeCompare(b.source))).toEqual([
      { source: "198.51.100.1", kind: "api_key", count: 3 },
      { source: "198.51.100.2", kind: "api_key", count: 2 },
      { source: "sign-in:ana@example.com", kind: "sign_in", count: 1 },
    ]);
    expect((await verifyAuditChain(database.prisma)).ok).toBe(true);
  });

  it("adds the window before to the count, so failures either side of a minute's boundary reach the limit", async () => {
    const lastSecond = new Date(windowAt(3).getTime() + FAILURE_WINDOW_MS - 5_000 - 1);
    const nextMinute = new Date(lastSecond.getTime() + 2);
    for (let i = 1; i <= FAILURE_LIMIT - 1; i++) expect(await recordAuthFailure(database.prisma, "192.0.2.77", "api_key", lastSecond)).toBe(i);
    expect(await recordAuthFailure(database.prisma, "192.0.2.77", "api_key", nextMinute)).toBe(FAILURE_LIMIT);
    expect(await failureCount(database.prisma, "192.0.2.77", "api_key", nextMinute)).toBe(FAILURE_LIMIT);
    // Two windows on, the old failures no longer count.
    const later = new Date(nextMinute.getTime() + FAILURE_WINDOW_MS);
    expect(await failureCount(database.prisma, "192.0.2.77", "api_key", later)).toBe(1);
    expect(await recordAuthFailure(database.prisma, "192.0.2.77", "api_key", later)).toBe(2);
  });

  it(`writes at most ${SOURCES_PER_WINDOW} + 1 rows for a window however many sources failed`, async () => {
    const at = windowAt(2);
    const extra = 30;
    // One busy source, then many that failed once each (as a spray of addresses would).
    for (let i = 0; i < 5; i++) await recordAuthFailure(database.prisma, "203.0.113.250", "api_key", at);
    for (let i = 0; i < SOURCES_PER_WINDOW + extra - 1; i++) {
      await recordAuthFailure(database.prisma, `10.${Math.floor(i / 250)}.${i % 250}.1`, "api_key", at);
    }
    const written = await flushAuthFailures(database.prisma, new Date(at.getTime() + FAILURE_WINDOW_MS));
    expect(written).toBe(SOURCES_PER_WINDOW + 1);
    const rows = await failureRows(at);
    expect(rows).toHaveLength(SOURCES_PER_WINDOW + 1);
    expect(rows.find((r) => r.source === "203.0.113.250")?.count).toBe(5);
    const other = rows.find((r) => r.source === OTHER_SOURCES);
    expect(other).toMatchObject({ kind: "api_key", count: extra, sources: extra });
    expect(rows.reduce((sum, r) => sum + r.count, 0)).toBe(5 + SOURCES_PER_WINDOW + extra - 1);
  });

  it(`answers 429 to a source's bad keys after ${FAILURE_LIMIT} of them, whatever X-Forwarded-For it forges, and still serves its good keys`, async () => {
    const { plaintext } = await createAgent(database.prisma, { name: `lockout-${kind}`, environments: ["staging"] }, { type: "system" });
    const address = kind === "embedded" ? "192.0.2.10" : "192.0.2.11";
    const request = (key: string, forged: string) =>
      new Request("http://countersign.test/api/v1/requests", {
        headers: { authorization: `Bearer ${key}`, [CLIENT_ADDRESS_HEADER]: address, "x-forwarded-for": forged },
      });
    const bad = `csk_0123456789abcdef_${"x".repeat(43)}`;
    for (let i = 0; i < FAILURE_LIMIT; i++) {
      const error = await authenticateRequest(database.prisma, request(bad, `203.0.113.${i}`)).catch((e) => e);
      expect(isAppError(error) && error.code).toBe("invalid_api_key");
    }
    const refused = await authenticateRequest(database.prisma, request(bad, "203.0.113.200")).catch((e) => e);
    expect(isAppError(refused) && [refused.code, refused.status]).toEqual(["rate_limited", 429]);
    const noKey = await authenticateRequest(database.prisma, new Request("http://countersign.test/api/v1/requests", { headers: { [CLIENT_ADDRESS_HEADER]: address } })).catch((e) => e);
    expect(isAppError(noKey) && noKey.code).toBe("rate_limited");
    // All were counted against the one real address, not the forged ones.
    const counted = await database.prisma.authFailure.findMany({ where: { kind: "api_key", source: { in: [address, "203.0.113.0"] } } });
    // (in one window, or two when the attempts straddle a minute's boundary)
    expect([...new Set(counted.map((r) => r.source))]).toEqual([address]);
    expect(counted.reduce((sum, r) => sum + r.count, 0)).toBe(FAILURE_LIMIT + 1);
    // A valid key from the same address (another agent behind the same NAT) is served.
    expect((await authenticateRequest(database.prisma, request(plaintext, "203.0.113.201"))).agent.name).toBe(`lockout-${kind}`);
    // Another address with the good key is served.
    const other = new Request("http://countersign.test/api/v1/requests", { headers: { authorization: `Bearer ${plaintext}`, [CLIENT_ADDRESS_HEADER]: "192.0.2.99" } });
    expect((await authenticateRequest(database.prisma, other)).agent.name).toBe(`lockout-${kind}`);
  });
});
