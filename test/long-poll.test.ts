// Long-poll: a decision committed at any moment wakes the waiting agent at once (not at the
// safety sweep), and however many agents wait, they hold no database connection each.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { DATABASE_KINDS } from "./databases";
import { createHarness, type Harness } from "./api-harness";
import { createRequest, decideRequest, requestEvents, waitForDecision } from "../lib/requests";
import { authenticateAgentKey } from "../lib/agents";
import type { Database } from "../lib/db";

const operation = (statement: string) => ({ kind: "sql" as const, target: { environment: "staging", resource: "postgres/main" }, sql: statement });

/** A request that waits for people (a critical DROP in staging needs one approval). */
async function pendingRequest(h: Harness, caller: Awaited<ReturnType<typeof authenticateAgentKey>>, statement: string): Promise<string> {
  const { view } = await createRequest(h.database.prisma, h.config, { caller, body: { operation: operation(statement), ttlSeconds: 900 } });
  expect(view.status).toBe("pending");
  return view.id;
}

describe.each(DATABASE_KINDS)("long-poll on %s", (kind) => {
  let h: Harness;
  let caller: Awaited<ReturnType<typeof authenticateAgentKey>>;
  let approver: { id: string };

  beforeAll(async () => {
    h = await createHarness(kind);
    const agent = await h.agent({ environments: ["staging"] });
    caller = await authenticateAgentKey(h.database.prisma, agent.key);
    approver = await h.user("approver");
  });
  afterAll(async () => {
    await h?.close();
  });

  const pending = (statement: string) => pendingRequest(h, caller, statement);

  it("does not miss a decision committed between reading the request and starting to wait", async () => {
    const id = await pending("DROP TABLE raced_wake_up");
    let decidedAt = 0;
    let armed = true;
    // The waiter's read of the request returns, then the decision commits, then the waiter waits.
    const prisma = h.database.prisma.$extends({
      query: {
        // Reads of requests are batched, one raw query by id (lib/requests/agent-requests.ts).
        async $allOperations({ operation, args, query }) {
          const result = await query(args);
          const [sql, ids] = operation === "$queryRawUnsafe" ? (args as [string, unknown]) : [];
          if (armed && sql?.includes("FROM requests r") && Array.isArray(ids) && ids.includes(id)) {
            armed = false;
            await decideRequest(h.database.prisma, h.config, { requestId: id, reviewerId: approver.id, decision: { decision: "deny", reason: "raced" } });
            decidedAt = Date.now();
          }
          return result;
        },
      },
    }) as unknown as Database["prisma"];
    // A fresh hub for this handle: its first safety sweep is 5 s away, longer than the wait.
    const database: Database = { ...h.database, prisma };
    try {
      const view = await waitForDecision(database, h.config, caller.agent.id, id, 4);
      expect(armed).toBe(false);
      expect(view.status).toBe("denied");
      // Woken by the decision: well before the 4 s deadline (a timeout would also read "denied").
      expect(Date.now() - decidedAt).toBeLessThan(3_500);
    } finally {
      await requestEvents(database).stop();
    }
  });

  it("leaves waiters on a cooling-down request asleep through the safety sweep, and wakes them when it ends", async () => {
    const id = await pending("DROP TABLE cooling_waiters");
    await h.database.prisma.$executeRawUnsafe(
      `UPDATE requests SET status = 'cooling_down', cool_down_until = now() + interval '7 seconds' WHERE id = $1::uuid`,
      id,
    );
    // Every query the waiters and their hub make, by model operation.
    const counts = new Map<string, number>();
    const prisma = h.database.prisma.$extends({
      query: {
        $allOperations({ model, operation, args, query }) {
          // The safety sweep reads the waited-on requests that left pending (one raw query); a
          // waiter's read is another raw query, of its request whatever its status.
          const sweep = JSON.stringify(args ?? null).includes("status NOT IN ('pending', 'cooling_down')");
          const name = sweep ? "sweep" : `${model ?? "raw"}.${operation}`;
          counts.set(name, (counts.get(name) ?? 0) + 1);
          return query(args);
        },
      },
    }) as unknown as Database["prisma"];
    const database: Database = { ...h.database, prisma };
    const total = () => [...counts.values()].reduce((a, b) => a + b, 0);
    const sweeps = () => counts.get("sweep") ?? 0;
    const waiters = 5;
    try {
      const started = Date.now();
      const waits = Array.from({ length: waiters }, () => waitForDecision(database, h.config, caller.agent.id, id, 20));
      await new Promise((r) => setTimeout(r, 1_000));
      const afterFirstReads = total();
      // Past the first safety sweep (5 s after the hub started), before the cool-down ends (7 s).
      await new Promise((r) => setTimeout(r, 5_000));
      expect(sweeps()).toBeGreaterThanOrEqual(1);
      // The sweep's one query, and no waiter woke to re-read the request.
      expect(total() - afterFirstReads).toBe(sweeps());
      const views = await Promise.all(waits);
      expect(views.map((v) => v.status)).toEqual(Array(waiters).fill("approved"));
      // Woken by the cool-down's end, not by the 20 s deadline.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await requestEvents(database).stop();
    }
  }, 30_000);
});

describe.runIf(DATABASE_KINDS.includes("postgres"))("many waiters on postgres", () => {
  let h: Harness;
  let caller: Awaited<ReturnType<typeof authenticateAgentKey>>;

  beforeAll(async () => {
    h = await createHarness("postgres");
    const agent = await h.agent({ environments: ["staging"] });
    caller = await authenticateAgentKey(h.database.prisma, agent.key);
  });
  afterAll(async () => {
    await h?.close();
  });

  const pending = (statement: string) => pendingRequest(h, caller, statement);

  it("holds no connection per waiter: a thousand waiters, the same few connections", async () => {
    const ids: string[] = [];
    // High, not critical: a thousand critical requests would trip the circuit breaker.
    for (let i = 0; i < 1000; i++) ids.push(await pending(`ALTER TABLE many_${i} DROP COLUMN c`));
    const admin = new pg.Client({ connectionString: h.database.url });
    await admin.connect();
    const database = new URL(h.database.url!).pathname.slice(1);
    const connections = async () =>
      Number((await admin.query(`SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database])).rows[0].count);
    try {
      const hub = requestEvents(h.database);
      await hub.start();
      // A small warm-up wait fills the pool as far as a burst of reads takes it.
      await Promise.all(ids.slice(0, 50).map((id) => waitForDecision(h.database, h.config, caller.agent.id, id, 1)));
      const before = await connections();
      const stop = new AbortController();
      const waits = ids.map((id) => waitForDecision(h.database, h.config, caller.agent.id, id, 60, stop.signal));
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 400));
        counts.push(await connections());
      }
      expect(hub.waiting).toBe(1000);
      // The pool (10) and the one LISTEN connection, whatever the number of waiters.
      expect(before).toBeLessThanOrEqual(11);
      for (const count of counts) expect(count).toBeLessThanOrEqual(11);
      stop.abort();
      const views = await Promise.all(waits);
      expect(views.every((v) => v.status === "pending")).toBe(true);
      expect(hub.waiting).toBe(0);
    } finally {
      await admin.end();
    }
  }, 120_000);
});
