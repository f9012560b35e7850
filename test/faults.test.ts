// Faults answer as faults. Two real server instances on a PostgreSQL server of this test's own,
// which it restarts while an agent waits; it cuts the instances' LISTEN connections, kills the
// instance an agent waits on, redeems one grant twenty times at once under load, and sends JSON
// nested 100,000 deep. Every time the decision still reaches the agent, and no answer is a 500.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import net from "node:net";
import { cleanEnv, runCli, startApp, type AppServer } from "./app-server";
import { startThrowawayPostgres, type ThrowawayPostgres } from "./throwaway-postgres";
import { openPostgres, type Database } from "../lib/db";
import { loadConfig } from "../lib/env";
import { decideRequest } from "./decide";
import { createUser } from "../lib/users";
import { CountersignClient } from "../client";
import { REQUEST_CHANNEL } from "../lib/requests/events";
import { NOTIFY_CHANNEL } from "../lib/notify/queue";
import { WEBHOOK_CHANNEL } from "../lib/webhooks/enqueue";

const SECRET = "fault-suite-auth-secret-0123456789abcdef";
const PASSWORD = "a long enough password";
const DROP = { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "DROP TABLE customers;" } as const;

/**
 * A load balancer in miniature: each connection goes to the first instance that accepts it, so
 * when one dies its clients' next connections reach the other.
 */
async function failoverBalancer(upstreams: () => number[]): Promise<{ url: string; connectedTo: number[]; close(): void }> {
  const connectedTo: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.pause();
    const tryNext = (ports: number[]) => {
      const [port, ...rest] = ports;
      if (port === undefined) return void client.destroy();
      const upstream = net.connect(port, "127.0.0.1");
      upstream.once("error", () => (upstream.remoteAddress ? client.destroy() : tryNext(rest)));
      upstream.once("connect", () => {
        connectedTo.push(port);
        sockets.add(upstream);
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        client.on("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryNext(upstreams());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connectedTo,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("faults answer as faults", () => {
  let pg: ThrowawayPostgres;
  let a: AppServer;
  let b: AppServer;
  let database: Database;
  let key: string;
  let approverId: string;
  let sessionCookie: string;

  const cfg = () => loadConfig({ DATABASE_URL: pg.url, AUTH_SECRET: SECRET, LOG_LEVEL: "silent" });
  const api = (server: { url: string }, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(init.headers ?? {}) } });
  const createPending = async (server: AppServer) => {
    const res = await api(server, "/api/v1/requests", { method: "POST", body: JSON.stringify({ operation: DROP, summary: "Drop customers in staging" }) });
    expect(res.status).toBe(201);
    const view = await res.json();
    expect(view.status).toBe("pending");
    return view.id as string;
  };
  const approve = (requestId: string) =>
    decideRequest(database.prisma, cfg(), { requestId, reviewerId: approverId, decision: { decision: "approve", confirmation: "postgres/main" } });

  /** Signs in over HTTP as a browser would, through next-auth's credentials callback. */
  async function signIn(server: AppServer, email: string): Promise<string> {
    const csrf = await fetch(`${server.url}/api/auth/csrf`);
    const { csrfToken } = await csrf.json();
    const cookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
    const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; "), origin: server.url },
      body: new URLSearchParams({ csrfToken, email, password: PASSWORD, callbackUrl: "/" }),
    });
    const session = res.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.includes("session-token="));
    if (!session) throw new Error(`sign-in failed: ${res.status}`);
    return session;
  }

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    // One public URL for both, as behind a load balancer: a grant either hands out verifies on the other.
    const env = { AUTH_SECRET: SECRET, LOG_LEVEL: "warn", COUNTERSIGN_URL: "http://countersign.test" };
    // Migrate once before both start, so they do not race to.
    database = await openPostgres(pg.url, { migrate: true });
    [a, b] = await Promise.all([startApp({ databaseUrl: pg.url, env }), startApp({ databaseUrl: pg.url, env })]);
    const cli = await runCli(["agent", "add", "--name", "fault-bot", "--environments", "staging,production", "--json"], cleanEnv({ DATABASE_URL: pg.url, AUTH_SECRET: SECRET, LOG_LEVEL: "silent" }));
    expect(cli.stderr).toBe("");
    key = JSON.parse(cli.stdout).key;
    approverId = (await createUser(database.prisma, { email: "approver@faults.example", role: "admin", password: PASSWORD }, { type: "system" })).id;
    sessionCookie = await signIn(a, "approver@faults.example");
  });
  afterAll(async () => {
    await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
    await database?.close().catch(() => {});
    await pg?.destroy();
  });

  it("while the database restarts: 503 with Retry-After on every kind of route, never 500; the waiter resumes and gets the decision", async () => {
    const requestId = await createPending(a);
    const client = new CountersignClient({ baseUrl: a.url, apiKey: key, retry: { initialDelayMs: 100, maxDelayMs: 1_000 } });
    const waiting = client.waitForDecision(requestId, { timeoutSeconds: 90 });
    // A short long-poll that is still waiting when the database goes away, and whose time runs out while it is away.
    const shortPoll = api(a, `/api/v1/requests/${requestId}?wait=3`);
    await new Promise((r) => setTimeout(r, 300));

    await pg.stop("fast");
    const during = [
      ["fast path: read", api(a, `/api/v1/requests/${requestId}`)],
      ["fast path: create", api(b, "/api/v1/requests", { method: "POST", body: JSON.stringify({ operation: DROP }) })],
      ["Next.js: cancel", api(b, `/api/v1/requests/${requestId}/cancel`, { method: "POST" })],
      ["Next.js: redeem", api(a, "/api/v1/grants/redeem", { method: "POST", body: JSON.stringify({ token: "x.y.z", operation: DROP }) })],
      ["MCP", api(b, "/api/mcp", { method: "POST", headers: { accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) })],
      ["JWKS", fetch(`${a.url}/.well-known/jwks.json`)],
      ["dashboard: inbox", fetch(`${a.url}/api/dashboard/requests?status=pending`, { headers: { cookie: sessionCookie } })],
      ["dashboard: audit export", fetch(`${a.url}/audit/export?format=jsonl`, { headers: { cookie: sessionCookie } })],
      ["the long-poll whose wait ran out", shortPoll],
    ] as const;
    for (const [name, pending] of during) {
      const res = await pending;
      expect(res.status, name).toBe(503);
      expect(Number(res.headers.get("retry-after")), name).toBeGreaterThan(0);
      expect(res.headers.get("content-type"), name).toContain("application/problem+json");
      expect(await res.json(), name).toMatchObject({ status: 503, code: "database_unavailable" });
    }
    const health = await fetch(`${a.url}/api/health`);
    expect(health.status).toBe(503);
    expect(Number(health.headers.get("retry-after"))).toBeGreaterThan(0);

    await pg.start();
    await until("the database answering the test", () => database.prisma.$queryRawUnsafe("SELECT 1").then(() => true));
    await approve(requestId);
    const decided = await waiting;
    expect(decided).toMatchObject({ id: requestId, status: "approved" });
    expect(decided.grant?.token).toBeTruthy();
    for (const server of [a, b]) expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it("a decision made while the LISTEN connections are cut still wakes the waiters, once they reconnect", async () => {
    const requestId = await createPending(b);
    const onA = api(a, `/api/v1/requests/${requestId}?wait=60`).then(async (r) => ({ status: r.status, body: await r.json() }));
    const onB = api(b, `/api/v1/requests/${requestId}?wait=60`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 300));
    const listeners = async () =>
      (await database.prisma.$queryRawUnsafe<{ pid: number }[]>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'countersign-listen'`)).map((r) => r.pid);
    // Each instance listens on each channel on its own connection. Wait for all of them: after the
    // restart above, some may still be in their reconnect backoff, and a cut taken before they are
    // back would leave "all listening again" nothing to compare with.
    const everyListener = [REQUEST_CHANNEL, NOTIFY_CHANNEL, WEBHOOK_CHANNEL].length * 2;
    const before = await until("both instances listening on every channel", async () => {
      const pids = await listeners();
      return pids.length === everyListener ? pids : undefined;
    });
    // Cut both and decide at once: the NOTIFY goes out while nobody listens.
    await database.prisma.$queryRawUnsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'countersign-listen'`);
    await approve(requestId);
    for (const answer of await Promise.all([onA, onB])) expect(answer).toMatchObject({ status: 200, body: { id: requestId, status: "approved" } });
    // Every listener is back, on a new connection.
    await until("the instances listening again", async () => {
      const now = await listeners();
      return now.length === everyListener && now.every((pid) => !before.includes(pid));
    });
  });

  it("20 concurrent redeems of one grant under unrelated load: exactly one 200, the rest 409, never a 500", async () => {
    const operation = { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "SELECT 1;" };
    const created = await (await api(a, "/api/v1/requests", { method: "POST", body: JSON.stringify({ operation }) })).json();
    expect(created.status).toBe("approved");
    const load = Array.from({ length: 30 }, (_, i) =>
      i % 2
        ? api(i % 4 === 1 ? a : b, "/api/v1/requests", { method: "POST", body: JSON.stringify({ operation: { ...operation, sql: `SELECT ${i};` } }) })
        : api(i % 4 === 0 ? a : b, `/api/v1/requests/${created.id}`),
    );
    const redeems = Array.from({ length: 20 }, (_, i) => api(i % 2 ? a : b, "/api/v1/grants/redeem", { method: "POST", body: JSON.stringify({ token: created.grant.token, operation }) }));
    const redeemStatuses = await Promise.all(redeems.map((p) => p.then((r) => r.status)));
    const loadStatuses = await Promise.all(load.map((p) => p.then((r) => r.status)));
    expect(redeemStatuses.filter((s) => s === 200)).toHaveLength(1);
    expect(redeemStatuses.filter((s) => s === 409)).toHaveLength(19);
    expect(loadStatuses.every((s) => s === 200 || s === 201), loadStatuses.join()).toBe(true);
  });

  it("JSON nested 100,000 deep is 400 on the fast path and through Next.js, and the server keeps answering meanwhile", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const deepObject = '{"operation":'.repeat(10_000) + "1" + "}".repeat(10_000);
    const answers = await Promise.all([
      api(a, "/api/v1/requests", { method: "POST", body: deep }),
      api(a, "/api/v1/requests", { method: "POST", body: deepObject }),
      api(a, "/api/v1/grants/redeem", { method: "POST", body: deep }),
      api(a, "/api/mcp", { method: "POST", headers: { accept: "application/json, text/event-stream" }, body: deep }),
      fetch(`${a.url}/api/health`),
    ]);
    for (const res of answers.slice(0, 4)) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ status: 400, detail: expect.stringContaining("levels deep") });
    }
    expect(answers[4].status).toBe(200);
  });

  it("NUL bytes and filter values no filter knows are 400 problem details on the dashboard's routes, not 500 and not ignored", async () => {
    for (const path of [
      "/api/dashboard/requests?status=%00",
      "/api/dashboard/requests?risk=extreme",
      "/api/dashboard/requests?agent=fault%00bot",
      "/api/dashboard/requests?cursor=not-a-cursor",
      "/audit/export?format=jsonl&actor=%00",
      "/audit/export?format=csv&type=request.%00",
    ]) {
      const res = await fetch(`${a.url}${path}`, { headers: { cookie: sessionCookie } });
      expect(res.status, path).toBe(400);
      expect(res.headers.get("content-type"), path).toContain("application/problem+json");
      expect((await res.json()).detail, path).toBeTruthy();
    }
    const page = await fetch(`${a.url}/?risk=extreme`, { headers: { cookie: sessionCookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("These filters cannot be applied");
  });

  it("an instance killed while an agent waits on it: the client reconnects through the balancer to the other and gets the decision", async () => {
    const balancer = await failoverBalancer(() => [a.port, b.port]);
    try {
      const requestId = await createPending(b);
      const retries: unknown[] = [];
      const client = new CountersignClient({ baseUrl: balancer.url, apiKey: key, retry: { initialDelayMs: 100, maxDelayMs: 1_000 } });
      const waiting = client.waitForDecision(requestId, { timeoutSeconds: 90, onRetry: (error) => retries.push(error) });
      await until("the long-poll held on instance A", async () => balancer.connectedTo.includes(a.port));
      await new Promise((r) => setTimeout(r, 300));
      await a.stop("SIGKILL");
      await approve(requestId);
      expect(await waiting).toMatchObject({ id: requestId, status: "approved" });
      expect(retries.length).toBeGreaterThan(0);
      expect(balancer.connectedTo).toContain(b.port);
    } finally {
      balancer.close();
    }
  });
});
