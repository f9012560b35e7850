// Notifications end to end against a local HTTP receiver standing in for Slack's webhook.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../test/databases";
import { openPostgres, type Database, type PrismaClient, type Tx } from "../db";
import { loadConfig, setConfig, type Config } from "../env";
import { AppError } from "../errors";
import {
  deliverDueNotifications,
  describeSlackSettings,
  enqueueNotification,
  getSlackSettings,
  MAX_ATTEMPTS,
  notifyRequestDecided,
  notifyRequestDecidedById,
  notifyRequestPending,
  saveSlackSettings,
  sendTestNotification,
  startNotificationWorker,
} from ".";

// ── a stand-in for Slack ────────────────────────────────────────────────────────────────────

interface Received {
  path: string;
  contentType: string | undefined;
  body: string;
  json: { text?: string; blocks?: unknown[] } & Record<string, unknown>;
}
interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

interface Receiver {
  /** The webhook URL, with a secret-looking path. */
  url: string;
  secret: string;
  received: Received[];
  /** Replies in order; when used up, 200 "ok". */
  replies: Reply[];
  close(): Promise<void>;
}

async function startReceiver(options: { defaultDelayMs?: number } = {}): Promise<Receiver> {
  const secret = `services/T0${randomBytes(4).toString("hex")}/B0${randomBytes(4).toString("hex")}/${randomBytes(12).toString("hex")}`;
  const receiver = { secret, received: [] as Received[], replies: [] as Reply[] } as Receiver;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = receiver.replies.shift() ?? { status: 200, body: "ok" };
      const respond = () => {
        const body = Buffer.concat(chunks).toString("utf8");
        // Record only what Slack would have accepted; failed attempts are counted separately.
        if (reply.status >= 200 && reply.status < 300) {
          receiver.received.push({ path: req.url ?? "", contentType: req.headers["content-type"], body, json: JSON.parse(body) });
        }
        attempts.push(body);
        res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
        res.end(reply.body ?? (reply.status < 300 ? "ok" : "error"));
      };
      const delay = reply.delayMs ?? options.defaultDelayMs ?? 0;
      if (delay) setTimeout(respond, delay);
      else respond();
    });
  });
  const attempts: string[] = [];
  (receiver as Receiver & { attempts: string[] }).attempts = attempts;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/${secret}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
const attemptsOf = (r: Receiver) => (r as Receiver & { attempts: string[] }).attempts;

/** A URL nothing listens on. */
async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/services/TUNREACH/BUNREACH/${randomBytes(12).toString("hex")}`;
}

function captureLogs() {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  }) as typeof process.stdout.write);
  return { lines, text: () => lines.join(""), restore: () => spy.mockRestore() };
}

// ── fixtures ────────────────────────────────────────────────────────────────────────────────

const baseConfig: Config = loadConfig({
  NODE_ENV: "test",
  AUTH_SECRET: "n".repeat(40),
  COUNTERSIGN_URL: "https://countersign.example",
  LOG_LEVEL: "debug",
});
setConfig(baseConfig);

const HOSTILE_SUMMARY = "Rotate keys <!channel> ping <@U1> see <https://evil.example|x> cc @here";

describe.each(DATABASE_KINDS)("notifications on %s", (kind) => {
  let database: TestDatabase;
  let receiver: Receiver;
  let agent: { id: string; name: string };
  let cfg: Config;
  const prisma = (): PrismaClient => database.prisma;

  beforeAll(async () => {
    setConfig(baseConfig);
    database = await createTestDatabase(kind);
    agent = await prisma().agent.create({
      data: { name: `deploy-bot <@U1> @channel ${randomBytes(3).toString("hex")}`, environments: ["*"], scopes: [] },
    });
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    receiver = await startReceiver();
    cfg = { ...baseConfig, slackWebhookUrl: receiver.url };
    await prisma().notificationDelivery.deleteMany({});
    await prisma().setting.deleteMany({ where: { key: "slack" } });
  });
  afterEach(async () => {
    await receiver.close();
  });

  async function dbNow(): Promise<Date> {
    const [row] = await prisma().$queryRawUnsafe<Array<{ now: Date }>>(`SELECT now() AS now`);
    return new Date(row.now);
  }

  function createRequestRow(tx: Tx, overrides: Record<string, unknown> = {}) {
    return tx.request.create({
      data: {
        agentId: agent.id,
        status: "pending",
        environment: "production",
        resource: "postgres/main",
        kind: "sql",
        operation: { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DROP TABLE customers;" },
        operationDigest: "sha256:test",
        summary: HOSTILE_SUMMARY,
        riskLevel: "critical",
        findings: [{ id: "sql.drop_table", level: "critical", message: "Drops table public.<!here>customers" }],
        targets: [],
        requiredApprovals: 2,
        expiresAt: new Date(Date.now() + 15 * 60_000),
        ...overrides,
      },
    });
  }

  /** What the lead's createRequest will do: create a pending request and queue its message in one transaction. */
  async function createPendingRequest(c: Config = cfg, overrides: Record<string, unknown> = {}) {
    return prisma().$transaction(async (tx) => {
      const request = await createRequestRow(tx, overrides);
      const deliveryId = await notifyRequestPending(tx, request, agent.name, c);
      return { request, deliveryId };
    });
  }

  async function enqueueMany(n: number, tag: string) {
    await prisma().$transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        await enqueueNotification(tx, { kind: "test", requestId: null, payload: { text: `${tag}-${i}`, blocks: [] } });
      }
    });
  }

  // ── delivery ──────────────────────────────────────────────────────────────────────────────

  it("a pending request's message reaches Slack with the deep link and escaped agent text", async () => {
    const { request, deliveryId } = await createPendingRequest();
    expect(deliveryId).toEqual(expect.any(String));

    const report = await deliverDueNotifications(prisma(), cfg);
    expect(report).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got.path).toBe(`/${receiver.secret}`);
    expect(got.contentType).toMatch(/^application\/json/);

    const buttons = (got.json.blocks as Array<{ type: string; elements?: Array<{ type: string; url?: string; text?: { text: string } }> }>)
      .filter((b) => b.type === "actions")
      .flatMap((b) => b.elements ?? []);
    expect(buttons).toEqual([expect.objectContaining({ type: "button", url: `https://countersign.example/requests/${request.id}`, text: expect.objectContaining({ text: "Review request" }) })]);

    for (const raw of ["<!channel>", "<@U1>", "<https://evil.example|x>", "<!here>"]) expect(got.body).not.toContain(raw);
    expect(got.body).not.toMatch(/@(here|channel)/);
    expect(got.body).toContain("Rotate keys &lt;!channel&gt; ping &lt;@U1&gt; see &lt;https://evil.example|x&gt; cc @\u2060here");
    expect(got.body).toContain("&lt;@U1&gt; @\u2060channel"); // the agent's name
    expect(got.json.text).toContain("Rotate keys");

    const row = await prisma().notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
    expect(row).toMatchObject({ status: "delivered", attempts: 1, kind: "request.pending", requestId: request.id, lockedUntil: null, lastError: null });
    expect(row.deliveredAt).toBeInstanceOf(Date);

    // Delivered means done: another pass sends nothing.
    expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(Date.now() + 86_400_000) })).toMatchObject({ claimed: 0 });
    expect(receiver.received).toHaveLength(1);
  });

  it("the message is queued with the request's transaction: a rollback leaves nothing to send", async () => {
    await expect(
      prisma().$transaction(async (tx) => {
        const request = await createRequestRow(tx);
        expect(await notifyRequestPending(tx, request, agent.name, cfg)).toEqual(expect.any(String));
        throw new Error("the request failed");
      }),
    ).rejects.toThrow("the request failed");
    expect(await prisma().notificationDelivery.count()).toBe(0);
    await deliverDueNotifications(prisma(), cfg);
    expect(attemptsOf(receiver)).toHaveLength(0);
  });

  it("a receiver that fails twice then succeeds gets exactly one message, after backoff", async () => {
    receiver.replies.push({ status: 500, body: "boom" }, { status: 503, body: "busy" });
    const { deliveryId } = await createPendingRequest();
    const started = Date.now();
    const t0 = new Date((await dbNow()).getTime() + 1000);

    expect(await deliverDueNotifications(prisma(), cfg, { now: t0 })).toMatchObject({ claimed: 1, retrying: 1, delivered: 0 });
    // Time the machine took meanwhile (a busy one is slow) may sit on top of the back-off.
    const elapsed = Date.now() - started;
    let row = await prisma().notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "HTTP 500: boom", lockedUntil: null });
    // First retry ~5 s later (±20%).
    const firstDelay = row.nextAttemptAt.getTime() - t0.getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(4_000);
    expect(firstDelay).toBeLessThanOrEqual(6_000 + elapsed);

    // Not due yet: nothing is sent.
    expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 3_000) })).toMatchObject({ claimed: 0 });
    expect(attemptsOf(receiver)).toHaveLength(1);

    expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 10_000) })).toMatchObject({ claimed: 1, retrying: 1 });
    row = await prisma().notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
    expect(row).toMatchObject({ status: "pending", attempts: 2, lastError: "HTTP 503: busy" });
    const secondDelay = row.nextAttemptAt.getTime() - (t0.getTime() + 10_000);
    expect(secondDelay).toBeGreaterThanOrEqual(24_000); // ~30 s: the backoff grows

    expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 3_600_000) })).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 86_400_000) })).toMatchObject({ claimed: 0 });
    expect(attemptsOf(receiver)).toHaveLength(3);
    expect(receiver.received).toHaveLength(1);
    row = await prisma().notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
    expect(row).toMatchObject({ status: "delivered", attempts: 3, lastError: null });
  });

  it("honours 429 Retry-After, and the rest of the batch waits too without using up attempts", async () => {
    receiver.replies.push({ status: 429, body: "rate_limited", headers: { "retry-after": "120" } });
    await enqueueMany(3, "limited");
    const t0 = new Date((await dbNow()).getTime() + 1000);

    expect(await deliverDueNotifications(prisma(), cfg, { now: t0 })).toMatchObject({ claimed: 3, retrying: 1, released: 2, delivered: 0 });
    const rows = await prisma().notificationDelivery.findMany({ orderBy: { attempts: "desc" } });
    expect(rows.map((r) => r.attempts)).toEqual([1, 0, 0]);
    for (const row of rows) {
      expect(row.status).toBe("pending");
      expect(row.lockedUntil).toBeNull();
      expect(Math.abs(row.nextAttemptAt.getTime() - (t0.getTime() + 120_000))).toBeLessThan(2_000);
    }
    expect(rows[0].lastError).toBe("HTTP 429: rate_limited");

    // 60 s later is still inside Retry-After (and past the 5 s backoff that would apply otherwise).
    expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 60_000) })).toMatchObject({ claimed: 0 });
    expect(attemptsOf(receiver)).toHaveLength(1);

    expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 125_000) })).toMatchObject({ claimed: 3, delivered: 3 });
    expect(receiver.received.map((r) => r.json.text).sort()).toEqual(["limited-0", "limited-1", "limited-2"]);
  });

  it("gives up after the last attempt and logs it as an error", async () => {
    for (let i = 0; i < MAX_ATTEMPTS; i++) receiver.replies.push({ status: 500 });
    const { deliveryId } = await createPendingRequest();
    let now = (await dbNow()).getTime() + 1000;
    const logs = captureLogs();
    try {
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        await deliverDueNotifications(prisma(), cfg, { now: new Date(now) });
        now += 2 * 3_600_000;
      }
      expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(now) })).toMatchObject({ claimed: 0 });
    } finally {
      logs.restore();
    }
    expect(attemptsOf(receiver)).toHaveLength(MAX_ATTEMPTS);
    const row = await prisma().notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
    expect(row).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, lastError: "HTTP 500: error" });
    const errors = logs.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((l) => l.level === "error");
    expect(errors).toEqual([expect.objectContaining({ msg: "slack notification failed; giving up", deliveryId, attempts: MAX_ATTEMPTS })]);
  });

  it("two instances delivering at once send each message exactly once", async () => {
    // A second, independent connection pool on PostgreSQL, as a second instance would have.
    let second: Database | undefined;
    if (kind === "postgres") second = await openPostgres(database.url!);
    try {
      await receiver.close();
      receiver = await startReceiver({ defaultDelayMs: 15 });
      cfg = { ...cfg, slackWebhookUrl: receiver.url };
      const N = 50;
      await enqueueMany(N, "race");
      const instances = [prisma(), second?.prisma ?? prisma()];
      let rounds = 0;
      const claimed = [0, 0];
      while ((await prisma().notificationDelivery.count({ where: { status: "pending" } })) > 0 && rounds++ < 20) {
        const reports = await Promise.all(instances.map((p) => deliverDueNotifications(p, cfg)));
        reports.forEach((r, i) => (claimed[i] += r.claimed));
      }
      const texts = receiver.received.map((r) => r.json.text);
      expect(texts).toHaveLength(N);
      expect(new Set(texts).size).toBe(N);
      expect(claimed[0] + claimed[1]).toBe(N);
      if (kind === "postgres") {
        // Both instances really did work side by side.
        expect(claimed[0]).toBeGreaterThan(0);
        expect(claimed[1]).toBeGreaterThan(0);
      }
      expect(await prisma().notificationDelivery.count({ where: { status: "delivered", attempts: 1 } })).toBe(N);
    } finally {
      await second?.close();
    }
  });

  it("a claimed row is leased: another worker does not take it until the lease runs out", async () => {
    const { deliveryId } = await createPendingRequest();
    const t0 = new Date((await dbNow()).getTime() + 1000);
    // Simulate a worker that claimed the row and is still posting it.
    await prisma().notificationDelivery.update({ where: { id: deliveryId! }, data: { lockedUntil: new Date(t0.getTime() + 30_000) } });
    expect(await deliverDueNotifications(prisma(), cfg, { now: t0 })).toMatchObject({ claimed: 0 });
    expect(attemptsOf(receiver)).toHaveLength(0);
    // The worker died: after the lease, the message is sent.
    expect(await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 31_000) })).toMatchObject({ delivered: 1 });
    expect(receiver.received).toHaveLength(1);
  });

  // ── never in the way of a request ─────────────────────────────────────────────────────────

  it("an unreachable receiver never throws out of enqueue or delivery; the request commits", async () => {
    const url = await unreachableUrl();
    const c = { ...cfg, slackWebhookUrl: url };
    const { request, deliveryId } = await createPendingRequest(c);
    expect(await prisma().request.findUnique({ where: { id: request.id } })).not.toBeNull();
    expect(deliveryId).toEqual(expect.any(String));

    const report = await deliverDueNotifications(prisma(), c);
    expect(report).toMatchObject({ claimed: 1, retrying: 1 });
    const row = await prisma().notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "network error (ECONNREFUSED)" });
  });

  it("a receiver that hangs times out instead of holding the worker", async () => {
    receiver.replies.push({ status: 200, delayMs: 15_000 });
    await enqueueMany(1, "slow");
    const started = Date.now();
    const report = await deliverDueNotifications(prisma(), cfg, { timeoutMs: 300 });
    // Far less than the receiver's 15 s: the worker gave up at its time-out.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(report).toMatchObject({ retrying: 1 });
    expect((await prisma().notificationDelivery.findFirstOrThrow()).lastError).toBe("timed out after 0.3 s");
  });

  it("a notification that cannot be queued does not fail the request's transaction", async () => {
    const logs = captureLogs();
    let requestId: string;
    try {
      requestId = await prisma().$transaction(async (tx) => {
        const request = await createRequestRow(tx);
        // PostgreSQL refuses NUL in JSON: the insert fails inside the caller's transaction.
        expect(await enqueueNotification(tx, { kind: "test", requestId: request.id, payload: { text: "bad \u0000 byte" } })).toBeNull();
        // The transaction is still usable afterwards.
        await tx.request.update({ where: { id: request.id }, data: { reason: "still here" } });
        return request.id;
      });
    } finally {
      logs.restore();
    }
    expect(await prisma().request.findUnique({ where: { id: requestId } })).toMatchObject({ reason: "still here" });
    expect(await prisma().notificationDelivery.count()).toBe(0);
    expect(logs.text()).toContain("could not queue a notification");
  });

  it("enqueue also works outside a transaction", async () => {
    expect(await enqueueNotification(prisma(), { kind: "test", payload: { text: "standalone" } })).toEqual(expect.any(String));
    await deliverDueNotifications(prisma(), cfg);
    expect(receiver.received.map((r) => r.json.text)).toEqual(["standalone"]);
  });

  it("with no webhook configured, nothing is queued", async () => {
    const { deliveryId } = await createPendingRequest({ ...cfg, slackWebhookUrl: undefined });
    expect(deliveryId).toBeNull();
    expect(await prisma().notificationDelivery.count()).toBe(0);
  });

  it("queued messages are dropped (failed) if the webhook is removed before they are sent", async () => {
    await createPendingRequest();
    const report = await deliverDueNotifications(prisma(), { ...cfg, slackWebhookUrl: undefined });
    expect(report).toMatchObject({ claimed: 1, failed: 1 });
    expect(await prisma().notificationDelivery.findFirstOrThrow()).toMatchObject({ status: "failed", lastError: "No Slack webhook is configured." });
    expect(attemptsOf(receiver)).toHaveLength(0);
  });

  // ── follow-ups ─────────────────────────────────────────────────────────────────────────────

  it("a decision posts a follow-up after the pending message, never before it", async () => {
    receiver.replies.push({ status: 500 });
    const { request } = await createPendingRequest();
    const decidedId = await prisma().$transaction(async (tx) => {
      const denied = await tx.request.update({ where: { id: request.id }, data: { status: "denied", reason: "Not today <!channel>" } });
      return notifyRequestDecided(tx, denied, agent.name, cfg, { decidedBy: "alice@example.com" });
    });
    expect(decidedId).toEqual(expect.any(String));

    // The pending message fails; the follow-up must wait for it rather than overtake it.
    const t0 = new Date((await dbNow()).getTime() + 1000);
    expect(await deliverDueNotifications(prisma(), cfg, { now: t0 })).toMatchObject({ claimed: 1, retrying: 1 });
    expect(receiver.received).toHaveLength(0);

    await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 60_000) });
    await deliverDueNotifications(prisma(), cfg, { now: new Date(t0.getTime() + 61_000) });
    const bodies = receiver.received.map((r) => r.json);
    expect(bodies).toHaveLength(2);
    expect(bodies[0].text).toMatch(/^Approval needed/);
    expect(bodies[1].text).toMatch(/^Denied/);
    expect(receiver.received[1].body).toContain("Reason: Not today &lt;!channel&gt;");
    expect(receiver.received[1].body).toContain("By alice@example.com");
    expect(receiver.received[1].body).toContain(`/requests/${request.id}`);
  });

  it("notifyRequestDecidedById reads the new status in the caller's transaction", async () => {
    const { request } = await createPendingRequest();
    await prisma().$transaction(async (tx) => {
      await tx.request.update({ where: { id: request.id }, data: { status: "expired" } });
      expect(await notifyRequestDecidedById(tx, request.id, cfg)).toEqual(expect.any(String));
    });
    await deliverDueNotifications(prisma(), cfg);
    await deliverDueNotifications(prisma(), cfg);
    expect(receiver.received.map((r) => r.json.text?.split(":")[0])).toEqual(["Approval needed", "Expired"]);
  });

  it("requests policy decided at once (never announced) get no follow-up", async () => {
    const request = await prisma().$transaction(async (tx) => {
      const r = await createRequestRow(tx, { status: "approved", requiredApprovals: 0 });
      expect(await notifyRequestDecided(tx, r, agent.name, cfg)).toBeNull();
      return r;
    });
    expect(await prisma().notificationDelivery.count({ where: { requestId: request.id } })).toBe(0);
  });

  // ── the worker ─────────────────────────────────────────────────────────────────────────────

  it("the worker delivers as soon as the queuing transaction commits (NOTIFY), without waiting for its poll", async () => {
    const worker = startNotificationWorker(database, cfg, { intervalMs: 600_000 });
    try {
      await worker.ready;
      // Let the start-up pass finish so only the NOTIFY can trigger delivery.
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      await createPendingRequest();
      await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 5_000, interval: 20 });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await worker.stop();
    }
    // Stopped: nothing more is delivered.
    await enqueueMany(1, "after-stop");
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1);
  });

  it("the worker's poll picks up what is due even without NOTIFY", async () => {
    const worker = startNotificationWorker(database, cfg, { intervalMs: 100, listen: false });
    try {
      await new Promise((r) => setTimeout(r, 150));
      await enqueueMany(2, "polled");
      await vi.waitFor(() => expect(receiver.received).toHaveLength(2), { timeout: 5_000, interval: 20 });
    } finally {
      await worker.stop();
    }
  });

  // ── settings ──────────────────────────────────────────────────────────────────────────────

  it("settings override the environment's webhook; clearing them falls back to it", async () => {
    const other = await startReceiver();
    try {
      const admin = { type: "user" as const, id: randomUUID() };
      expect(await getSlackSettings(prisma(), cfg)).toEqual({ webhookUrl: receiver.url, source: "environment", bot: null });
      expect(await saveSlackSettings(prisma(), { webhookUrl: other.url }, admin, cfg)).toEqual({ webhookUrl: other.url, source: "settings", bot: null });
      expect(await getSlackSettings(prisma(), cfg)).toEqual({ webhookUrl: other.url, source: "settings", bot: null });
      // What the Settings page gets shows where the webhook comes from, never the URL.
      const view = await describeSlackSettings(prisma(), cfg);
      expect(view).toEqual({ configured: true, source: "settings", maskedWebhook: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…[0-9a-f]{4}$/), environmentFallback: true });
      expect(JSON.stringify(view)).not.toContain(other.secret.split("/").pop()!);

      await createPendingRequest();
      await deliverDueNotifications(prisma(), cfg);
      expect(other.received).toHaveLength(1);
      expect(receiver.received).toHaveLength(0);

      expect(await sendTestNotification(prisma(), cfg)).toEqual({ ok: true, status: 200 });
      expect(other.received[1].json.text).toContain("Countersign is connected");

      expect(await saveSlackSettings(prisma(), { webhookUrl: null }, admin, cfg)).toEqual({ webhookUrl: receiver.url, source: "environment", bot: null });
      expect(await getSlackSettings(prisma(), { slackWebhookUrl: undefined })).toEqual({ webhookUrl: null, source: null, bot: null });
    } finally {
      await other.close();
    }
  });

  it.each([
    ["http://hooks.slack.example/services/x"],
    ["javascript:alert(1)"],
    ["https://user:secret@hooks.slack.example/x"],
  ])("refuses to store %s as the webhook", async (webhookUrl) => {
    const error = await saveSlackSettings(prisma(), { webhookUrl }, { type: "user", id: randomUUID() }, cfg).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "validation_failed", status: 422, errors: [expect.objectContaining({ field: "webhookUrl" })] });
    expect(await prisma().setting.findUnique({ where: { key: "slack" } })).toBeNull();
  });

  it("sendTestNotification reports failures in its own words", async () => {
    receiver.replies.push({ status: 404, body: "no_service" });
    expect(await sendTestNotification(prisma(), cfg)).toEqual({ ok: false, status: 404, error: "HTTP 404: no_service" });
    expect(await sendTestNotification(prisma(), { ...cfg, slackWebhookUrl: await unreachableUrl() })).toEqual({ ok: false, error: "network error (ECONNREFUSED)" });
    expect(await sendTestNotification(prisma(), { ...cfg, slackWebhookUrl: undefined })).toEqual({ ok: false, error: "No Slack webhook or bot is configured." });
    // Nothing was queued: the test message goes out directly.
    expect(await prisma().notificationDelivery.count()).toBe(0);
  });

  it("the webhook URL never appears in audit rows, logs or stored errors", async () => {
    const secretPath = receiver.secret;
    // A receiver that echoes the URL back in its error body.
    receiver.replies.push({ status: 500, body: `bad hook ${receiver.url} (${secretPath})` }, { status: 500, body: `again ${receiver.url}` });
    const firstSeq = ((await prisma().auditEvent.findFirst({ orderBy: { seq: "desc" } }))?.seq ?? 0n) + 1n;
    const logs = captureLogs();
    try {
      const admin = { type: "user" as const, id: randomUUID() };
      await saveSlackSettings(prisma(), { webhookUrl: receiver.url }, admin, cfg);
      await createPendingRequest();
      await deliverDueNotifications(prisma(), cfg);
      await sendTestNotification(prisma(), cfg);
      await sendTestNotification(prisma(), { ...cfg, slackWebhookUrl: await unreachableUrl() }).catch(() => {});
      await saveSlackSettings(prisma(), { webhookUrl: null }, admin, cfg);
    } finally {
      logs.restore();
    }
    const audit = await prisma().auditEvent.findMany({ where: { type: "settings.slack_changed", seq: { gte: firstSeq } }, orderBy: { seq: "asc" } });
    expect(audit).toHaveLength(2);
    expect(audit.map((a) => a.data)).toEqual([
      { stored: true, changed: false, source: "settings" },
      { stored: false, changed: false, source: "environment" },
    ]);
    const everything = [
      logs.text(),
      JSON.stringify(await prisma().auditEvent.findMany(), (_k, v) => (typeof v === "bigint" ? String(v) : v)),
      JSON.stringify(await prisma().notificationDelivery.findMany()),
    ].join("\n");
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(everything).toContain("slack notification failed; will retry");
    expect(everything).not.toContain(secretPath);
    expect(everything).not.toContain(secretPath.split("/").pop()!);
    expect(everything).not.toContain(receiver.url);
    expect(everything).toContain("[webhook]");
  });
});
