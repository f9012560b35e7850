// Outgoing webhooks end to end: real request changes queue deliveries in their own transactions, a
// local HTTP receiver verifies every delivery with the Standard Webhooks library, failures are
// retried with backoff, and the audit checkpoint arrives too. On each database kind.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { DATABASE_KINDS } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import type { Config } from "../env";
import { CreateRequest, cancelRequest, createRequest, expireDueRequests, redeemGrant, reportOutcome } from "../requests";
import { decideRequest } from "../../test/decide";
import { appendAudit } from "../audit";
import { recordTransition } from "../requests/shared";
import { startCheckpoints } from "../audit/checkpoint";
import {
  addWebhookEndpoint,
  deliverDueWebhooks,
  listWebhookEndpoints,
  removeWebhookEndpoint,
  setWebhookEndpointEnabled,
  startWebhookWorker,
  WEBHOOK_BACKOFF_MS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_EVENT_TYPES,
} from ".";

interface Delivery {
  headers: Record<string, string>;
  body: string;
  /** What Webhook.verify returned, or the error it threw. */
  verified: unknown;
  error?: string;
}

interface Receiver {
  url: string;
  secret: string;
  deliveries: Delivery[];
  /** Statuses to answer, in order; when used up, 204. */
  replies: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver = { deliveries: [] as Delivery[], replies: [] as number[], secret: "" } as Receiver;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const delivery: Delivery = { headers, body, verified: undefined };
      try {
        delivery.verified = new Webhook(receiver.secret).verify(body, headers);
      } catch (error) {
        delivery.error = (error as Error).message;
      }
      receiver.deliveries.push(delivery);
      const status = receiver.replies.shift() ?? 204;
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status >= 300 ? "receiver unavailable" : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/countersign`;
  receiver.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return receiver;
}

const HOSTILE_SUMMARY = `Clean up "orders"}],"type":"request.executed","x":[{"a":"<script>`;

describe.each(DATABASE_KINDS)("outgoing webhooks on %s", (kind) => {
  let h: Harness;
  let cfg: Config;
  let receiver: Receiver;
  const prisma = () => h.database.prisma;
  const admin = { type: "cli" as const };

  beforeAll(async () => {
    h = await createHarness(kind);
    cfg = h.config;
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    receiver = await startReceiver();
    await prisma().webhookEndpoint.deleteMany({});
  });
  afterEach(async () => {
    await receiver.close();
  });

  async function subscribe(events: string[] = [...WEBHOOK_EVENT_TYPES], url = receiver.url) {
    const { endpoint, secret } = await addWebhookEndpoint(prisma(), cfg, { url, events: events as never, description: "SIEM" }, admin);
    receiver.secret = secret;
    return endpoint;
  }

  async function agentCaller() {
    const agent = await h.agent({ scopes: ["requests:create", "requests:read", "grants:redeem"] });
    return {
      agent,
      caller: {
        agent: await prisma().agent.findUniqueOrThrow({ where: { id: agent.id } }),
        key: await prisma().agentKey.findUniqueOrThrow({ where: { id: agent.keyId } }),
      } as never,
    };
  }

  const operation = { kind: "sql", sql: "DELETE FROM orders WHERE id = 42", target: { environment: "production", resource: h_unique("postgres/orders") } } as const;
  function h_unique(prefix: string) {
    return `${prefix}-${Math.random().toString(16).slice(2, 8)}`;
  }

  async function pendingRequest(caller: never) {
    const body = CreateRequest.parse({ operation, summary: HOSTILE_SUMMARY });
    const { view } = await createRequest(prisma(), cfg, { caller, body });
    expect(view.status).toBe("pending");
    return view;
  }

  async function approve(requestId: string) {
    for (let i = 0; i < 5; i++) {
      const reviewer = await h.user("admin");
      const view = await decideRequest(prisma(), cfg, { requestId, reviewerId: reviewer.id, decision: { decision: "approve" } });
      if (view.status === "approved") return view;
    }
    throw new Error("not approved after five approvals");
  }

  const events = () => receiver.deliveries.map((d) => JSON.parse(d.body) as { type: string; timestamp: string; data: any });

  it("created → approved → executed arrive signed (verified by the library), with the request's link and no secrets", async () => {
    const endpoint = await subscribe();
    const { agent, caller } = await agentCaller();
    const request = await pendingRequest(caller);
    await approve(request.id);
    const grant = await prisma().grant.findUniqueOrThrow({ where: { requestId: request.id } });
    await redeemGrant(prisma(), cfg, caller, { token: grant.token, operation });
    await reportOutcome(prisma(), cfg, caller, request.id, { status: "executed", detail: "1 row deleted" });

    const report = await deliverDueWebhooks(prisma(), cfg);
    expect(report).toMatchObject({ claimed: 3, delivered: 3, retrying: 0, failed: 0 });
    expect(receiver.deliveries.map((d) => d.error)).toEqual([undefined, undefined, undefined]);
    expect(events().map((e) => [e.type, e.data.request.status])).toEqual([
      ["request.created", "pending"],
      ["request.decided", "approved"],
      ["request.executed", "executed"],
    ]);
    for (const d of receiver.deliveries) {
      expect(d.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(d.headers["webhook-signature"]).toMatch(/^v1,/);
      expect(d.headers["content-type"]).toBe("application/json");
      expect(d.verified).toEqual(JSON.parse(d.body));
      expect(d.body).not.toContain(grant.token);
      expect(d.body).not.toContain(receiver.secret);
    }
    expect(new Set(receiver.deliveries.map((d) => d.headers["webhook-id"])).size).toBe(3);
    const [created, decided, executed] = events();
    expect(created.data).toMatchObject({
      request: { id: request.id, environment: "production", resource: operation.target.resource, kind: "sql", url: `${cfg.publicUrl}/requests/${request.id}`, summary: HOSTILE_SUMMARY },
      agent: { id: agent.id, name: agent.name },
      actor: { type: "agent", id: agent.id },
    });
    // The agent's text is a JSON string value, nothing more: it did not add or change a field.
    expect(Object.keys(created).sort()).toEqual(["data", "timestamp", "type"]);
    expect(created.data.request.risk).toEqual(expect.any(String));
    expect(Date.parse(created.timestamp)).not.toBeNaN();
    expect(decided.data.actor.type).toBe("user");
    expect(executed.data.request.outcomeDetail).toBe("1 row deleted");

    // A signature made with another secret does not verify.
    const forged = receiver.deliveries[0];
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`).verify(forged.body, forged.headers)).toThrow();

    const [listed] = await listWebhookEndpoints(prisma());
    expect(listed.id).toBe(endpoint.id);
    expect(listed.recentDeliveries).toHaveLength(3);
    expect(listed.recentDeliveries.every((d) => d.status === "delivered" && d.lastStatusCode === 204 && d.lastAttemptAt instanceof Date && d.attempts === 1)).toBe(true);
    expect(JSON.stringify(listed)).not.toContain(receiver.secret);
  });

  it("a failing receiver (500) is retried with backoff; the last attempt's status, error and time are recorded", async () => {
    await subscribe(["request.created"]);
    const { caller } = await agentCaller();
    const request = await pendingRequest(caller);
    receiver.replies.push(500, 500);
    const t0 = new Date(Date.now() + 1_000);

    expect(await deliverDueWebhooks(prisma(), cfg, { now: t0, random: () => 0.5 })).toMatchObject({ claimed: 1, retrying: 1 });
    let row = await prisma().webhookDelivery.findFirstOrThrow({ where: { payload: { path: ["data", "request", "id"], equals: request.id } } });
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500, lastError: "HTTP 500: receiver unavailable" });
    expect(row.nextAttemptAt.getTime() - row.lastAttemptAt!.getTime()).toBe(WEBHOOK_BACKOFF_MS[0]);

    // Not due before its backoff runs out.
    expect(await deliverDueWebhooks(prisma(), cfg, { now: new Date(t0.getTime() + 4_000) })).toMatchObject({ claimed: 0 });
    expect(await deliverDueWebhooks(prisma(), cfg, { now: new Date(t0.getTime() + 6_000), random: () => 0.5 })).toMatchObject({ claimed: 1, retrying: 1 });
    row = await prisma().webhookDelivery.findUniqueOrThrow({ where: { id: row.id } });
    expect(row.attempts).toBe(2);
    expect(row.nextAttemptAt.getTime() - row.lastAttemptAt!.getTime()).toBe(WEBHOOK_BACKOFF_MS[1]);

    expect(await deliverDueWebhooks(prisma(), cfg, { now: new Date(t0.getTime() + 40_000) })).toMatchObject({ claimed: 1, delivered: 1 });
    row = await prisma().webhookDelivery.findUniqueOrThrow({ where: { id: row.id } });
    expect(row).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 204, lastError: null });
    // The same webhook-id on every attempt, so the receiver can drop duplicates.
    expect(new Set(receiver.deliveries.map((d) => d.headers["webhook-id"]))).toEqual(new Set([row.id]));
    expect(receiver.deliveries.every((d) => d.error === undefined)).toBe(true);
  });

  it("gives up after the last attempt and marks the delivery failed", async () => {
    await subscribe(["request.created"]);
    const { caller } = await agentCaller();
    await pendingRequest(caller);
    receiver.replies.push(...Array(WEBHOOK_MAX_ATTEMPTS).fill(503));
    let now = Date.now() + 1_000;
    for (let i = 0; i < WEBHOOK_MAX_ATTEMPTS; i++) {
      const report = await deliverDueWebhooks(prisma(), cfg, { now: new Date(now) });
      expect(report.claimed).toBe(1);
      now += 8 * 3_600_000;
    }
    const [row] = await prisma().webhookDelivery.findMany({});
    expect(row).toMatchObject({ status: "failed", attempts: WEBHOOK_MAX_ATTEMPTS, lastStatusCode: 503 });
    expect(await deliverDueWebhooks(prisma(), cfg, { now: new Date(now) })).toMatchObject({ claimed: 0 });
  });

  it("nothing is queued when the change's transaction rolls back", async () => {
    await subscribe();
    const { agent } = await agentCaller();
    const change = (fail: boolean) =>
      prisma().$transaction(async (tx) => {
        const request = await tx.request.create({
          data: {
            agentId: agent.id, status: "pending", environment: "production", resource: "postgres/x", kind: "sql",
            operation: operation as object, operationDigest: "sha256:test", riskLevel: "high", findings: [], targets: [], requiredApprovals: 1,
            expiresAt: new Date(Date.now() + 60_000),
          },
        });
        await recordTransition(tx, request.id, [{ type: "request.created", actor: { type: "agent", id: agent.id }, subject: { type: "request", id: request.id }, data: {} }]);
        if (fail) throw new Error("the change failed after queuing");
        return request.id;
      });
    await expect(change(true)).rejects.toThrow("the change failed");
    expect(await prisma().webhookDelivery.count()).toBe(0);
    // The same change committed does queue one: the rollback is what removed it.
    const id = await change(false);
    const rows = await prisma().webhookDelivery.findMany({});
    expect(rows.map((r) => [r.eventType, (r.payload as any).data.request.id])).toEqual([["request.created", id]]);
  });

  it("queues only for enabled endpoints subscribed to the event; a cancel is a decision", async () => {
    const other = await subscribe(["agent.quarantined"]);
    const decisions = await subscribe(["request.decided"]);
    const { caller, agent } = await agentCaller();
    const request = await pendingRequest(caller);
    expect(await prisma().webhookDelivery.count()).toBe(0);

    await setWebhookEndpointEnabled(prisma(), decisions.id, false, admin);
    const second = await pendingRequest(caller);
    await cancelRequest(prisma(), cfg, agent.id, second.id);
    expect(await prisma().webhookDelivery.count()).toBe(0);

    await setWebhookEndpointEnabled(prisma(), decisions.id, true, admin);
    await cancelRequest(prisma(), cfg, agent.id, request.id);
    const rows = await prisma().webhookDelivery.findMany({});
    expect(rows.map((r) => [r.endpointId, r.eventType, (r.payload as any).data.request.status])).toEqual([[decisions.id, "request.decided", "cancelled"]]);

    await removeWebhookEndpoint(prisma(), other.id, admin);
    await removeWebhookEndpoint(prisma(), decisions.id, admin);
    expect(await prisma().webhookDelivery.count()).toBe(0);
    const audit = await prisma().auditEvent.findMany({ where: { type: { startsWith: "webhook." } }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => a.type)).toEqual(expect.arrayContaining(["webhook.added", "webhook.disabled", "webhook.enabled", "webhook.removed"]));
    expect(JSON.stringify(audit.map((a) => a.data))).not.toContain("whsec_");
  });

  it("an expiry is a decision; a quarantine carries the agent and what it closed", async () => {
    await subscribe(["request.decided", "agent.quarantined"]);
    const { caller, agent } = await agentCaller();
    const request = await pendingRequest(caller);
    await prisma().request.update({ where: { id: request.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    await expireDueRequests(prisma());
    await prisma().$transaction((tx) =>
      appendAudit(tx, {
        type: "agent.quarantined",
        actor: { type: "policy" },
        subject: { type: "agent", id: agent.id },
        data: { name: agent.name, reason: "5 critical requests in 60 s", evidence: [], deniedPending: [request.id], deniedCoolingDown: [], revokedGrants: [] },
      }),
    );
    await deliverDueWebhooks(prisma(), cfg);
    expect(receiver.deliveries.every((d) => d.error === undefined)).toBe(true);
    const [expired, quarantined] = events();
    expect(expired).toMatchObject({ type: "request.decided", data: { request: { id: request.id, status: "expired" }, actor: { type: "system" } } });
    expect(quarantined).toMatchObject({
      type: "agent.quarantined",
      data: { agent: { id: agent.id, name: agent.name }, reason: "5 critical requests in 60 s", deniedRequests: [request.id], revokedGrants: [] },
    });
  });

  it("the audit checkpoint arrives, signed, with its JWS", async () => {
    await subscribe(["audit.checkpoint"]);
    const checkpoints = startCheckpoints(prisma(), cfg, { everyMs: 3_600_000 });
    await checkpoints.close();
    await deliverDueWebhooks(prisma(), cfg);
    expect(receiver.deliveries.length).toBeGreaterThanOrEqual(1);
    const [event] = events();
    expect(receiver.deliveries[0].error).toBeUndefined();
    expect(event.type).toBe("audit.checkpoint");
    expect(event.data).toMatchObject({ seq: expect.stringMatching(/^\d+$/), head: expect.stringMatching(/^[0-9a-f]{64}$/), kid: expect.any(String), jws: expect.any(String) });
    expect(event.timestamp).toBe(event.data.at);
  });

  it("the worker delivers as soon as the queuing transaction commits", async () => {
    await subscribe(["request.created"]);
    const worker = startWebhookWorker(h.database, cfg, { intervalMs: 60_000 });
    try {
      await worker.ready;
      const { caller } = await agentCaller();
      await pendingRequest(caller);
      const deadline = Date.now() + 10_000;
      while (receiver.deliveries.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(events().map((e) => e.type)).toEqual(["request.created"]);
    } finally {
      await worker.stop();
    }
  });

  it("stores the secret encrypted and refuses endpoints at Countersign itself, metadata services or plain http elsewhere", async () => {
    const endpoint = await subscribe(["request.created"]);
    const stored = await prisma().webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(receiver.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(stored.secretEnvelope).not.toContain(receiver.secret.slice(6, 20));

    const cases: Array<[string, RegExp]> = [
      ["http://169.254.169.254/latest/meta-data/", /metadata|https/],
      ["https://169.254.169.254/latest/meta-data/", /metadata/],
      ["https://metadata.google.internal/computeMetadata/v1/", /metadata/],
      ["https://[fd00:ec2::254]/", /metadata/],
      [`${cfg.publicUrl}/api/v1/requests`, /Countersign itself/],
      [`http://127.0.0.1:${cfg.port}/api/v1/requests`, /Countersign itself/],
      ["http://siem.example.com/hook", /https/],
      ["https://user:pw@siem.example.com/hook", /user name or password/],
      ["ftp://siem.example.com/hook", /https/],
    ];
    for (const [url, message] of cases) {
      const error = await addWebhookEndpoint(prisma(), cfg, { url, events: ["request.created"] }, admin).catch((e) => e);
      expect(error, url).toMatchObject({ code: "validation_failed", errors: [{ field: "url", message: expect.stringMatching(message) }] });
    }
    const unknownEvent = await addWebhookEndpoint(prisma(), cfg, { url: "https://siem.example.com/hook", events: ["request.deleted" as never] }, admin).catch((e) => e);
    expect(unknownEvent).toMatchObject({ code: "validation_failed", errors: [expect.objectContaining({ field: expect.stringMatching(/^events/) })] });
    expect(await prisma().webhookEndpoint.count()).toBe(1);
  });
});
