// The bot keeps the card current, end to end: real request changes (create, approvals, redeem,
// outcome, expiry) queue Slack Web API calls in their own transactions, and the queue makes them
// against a local stand-in for Slack's Web API that records every call and answers like Slack:
// {ok, channel, ts}, {ok: false, error} with HTTP 200, and 429 with Retry-After.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import {
  SLACK_STAND_IN_CHANNEL as CHANNEL,
  SLACK_STAND_IN_TOKEN as TOKEN,
  slackCardHasButton as hasButton,
  slackCardText as cardText,
  startSlackStandIn as startSlack,
  type SlackStandIn,
} from "../../test/slack-web-api";
import { setConfig, type Config } from "../env";
import { CreateRequest, createRequest, expireDueRequests, redeemGrant, reportOutcome } from "../requests";
import { decideRequest } from "../../test/decide";
import { deliverDueNotifications, getSlackSettings, removeSlackBotSettings, saveSlackBotSettings, sendTestNotification } from ".";

describe.each(DATABASE_KINDS)("Slack bot on %s", (kind) => {
  let h: Harness;
  let cfg: Config;
  let slack: SlackStandIn;
  const prisma = () => h.database.prisma;

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    slack = await startSlack();
    cfg = { ...h.config, slackBot: { token: TOKEN, channelId: CHANNEL }, slackApiUrl: slack.url };
    // Expiry sweeps read the configuration in force.
    setConfig(cfg);
    await prisma().notificationDelivery.deleteMany({});
  });
  afterEach(async () => {
    setConfig(h.config);
    await slack.close();
  });

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

  /** A critical request in production: two approvals. */
  async function pendingCritical(caller: never, summary = "Drop the old <!channel> table") {
    const resource = h.unique("postgres/main");
    const table = h.unique("orders").replace(/-/g, "_");
    const operation = { kind: "sql", sql: `DROP TABLE ${table};`, target: { environment: "production", resource } } as const;
    const { view } = await createRequest(prisma(), cfg, { caller, body: CreateRequest.parse({ operation, summary }) });
    expect(view.status).toBe("pending");
    expect(view.requiredApprovals).toBe(2);
    return { view, operation, resource, table };
  }

  async function reviewer(name: string) {
    const user = await h.user("approver");
    await prisma().user.update({ where: { id: user.id }, data: { name } });
    return user;
  }

  const deliver = (now?: Date) => deliverDueNotifications(prisma(), cfg, now ? { now } : {});

  it("posts the card, updates it in place on each approval (1 of 2) with a threaded reply, on approval and on execution", async () => {
    const { caller } = await agentCaller();
    const { view, operation, resource, table } = await pendingCritical(caller);

    expect(await deliver()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(slack.calls).toHaveLength(1);
    const [post] = slack.calls;
    expect(post.method).toBe("chat.postMessage");
    expect(post.authorization).toBe(`Bearer ${TOKEN}`);
    expect(post.body.channel).toBe(CHANNEL);
    expect(post.body.thread_ts).toBeUndefined();
    // Leads with the operation; the agent's words are escaped.
    expect(cardText(post)).toContain(`\`DROP TABLE ${table};\``);
    expect(cardText(post)).toContain("Drop the old &lt;!channel&gt; table");
    expect(cardText(post)).not.toContain("<!channel>");
    expect(hasButton(post, "Review request")).toBe(true);
    const stored = await prisma().slackMessage.findUniqueOrThrow({ where: { requestId: view.id } });
    expect(stored).toMatchObject({ channel: CHANNEL, ts: "1700000000.000001" });

    // The first of two approvals: the card says so, and a reply in its thread too.
    const alice = await reviewer("Alice");
    await decideRequest(prisma(), cfg, { requestId: view.id, reviewerId: alice.id, decision: { decision: "approve", confirmation: resource } });
    expect(await deliver()).toMatchObject({ claimed: 1, delivered: 1 });
    const [update1, reply] = slack.calls.slice(1);
    expect(update1.method).toBe("chat.update");
    expect(update1.body).toMatchObject({ channel: CHANNEL, ts: stored.ts });
    expect(cardText(update1)).toContain("1 of 2 approvals — Alice");
    expect(hasButton(update1, "Review request")).toBe(true);
    expect(reply.method).toBe("chat.postMessage");
    expect(reply.body).toMatchObject({ channel: CHANNEL, thread_ts: stored.ts });
    expect(reply.body.text).toContain("Approved 1 of 2 approvals — Alice");

    // The second approval decides it: the card says approved, by whom, and invites no click.
    const bob = await reviewer("Bob");
    await decideRequest(prisma(), cfg, { requestId: view.id, reviewerId: bob.id, decision: { decision: "approve", confirmation: resource } });
    expect(await deliver()).toMatchObject({ claimed: 1, delivered: 1 });
    const approved = slack.calls[3];
    expect(approved.method).toBe("chat.update");
    expect(approved.body.ts).toBe(stored.ts);
    expect(cardText(approved)).toContain("Approved");
    expect(cardText(approved)).toContain("By Bob");
    expect(cardText(approved)).toContain("2 of 2 approvals — Alice, Bob");
    expect(hasButton(approved, "Review request")).toBe(false);
    expect(approved.body.blocks!.some((b) => (b as { type: string }).type === "actions")).toBe(false);

    // Executed, as the executor reports it.
    const grant = await prisma().grant.findUniqueOrThrow({ where: { requestId: view.id } });
    await redeemGrant(prisma(), cfg, caller, { token: grant.token, operation });
    await reportOutcome(prisma(), cfg, caller, view.id, { status: "executed", detail: "table dropped" });
    expect(await deliver()).toMatchObject({ claimed: 1, delivered: 1 });
    const executed = slack.calls[4];
    expect(executed.method).toBe("chat.update");
    expect(executed.body.ts).toBe(stored.ts);
    expect(cardText(executed)).toContain("Executed (as reported by the executor)");
    expect(cardText(executed)).toContain("Executor's report: table dropped");
    expect(slack.calls).toHaveLength(5);
    // One message in the channel, one reply in its thread: nothing else was posted.
    expect(slack.calls.filter((c) => c.method === "chat.postMessage" && !c.body.thread_ts)).toHaveLength(1);
  });

  it("updates queued together apply in order, each after the post they follow", async () => {
    const { caller } = await agentCaller();
    const { view, resource } = await pendingCritical(caller);
    const alice = await reviewer("Alice");
    await decideRequest(prisma(), cfg, { requestId: view.id, reviewerId: alice.id, decision: { decision: "approve", confirmation: resource } });
    const bob = await reviewer("Bob");
    await decideRequest(prisma(), cfg, { requestId: view.id, reviewerId: bob.id, decision: { decision: "approve", confirmation: resource } });
    // One worker pass sees all three; the later ones wait for the post before them.
    for (let i = 0; i < 5 && slack.calls.length < 4; i++) await deliver();
    expect(slack.calls.map((c) => `${c.method}${c.body.thread_ts ? " (thread)" : ""}`)).toEqual([
      "chat.postMessage",
      "chat.update",
      "chat.postMessage (thread)",
      "chat.update",
    ]);
    expect(cardText(slack.calls[3])).toContain("By Bob");
  });

  it("an expired request's card says it expired and has no call to action", async () => {
    const { caller } = await agentCaller();
    const { view } = await pendingCritical(caller);
    await deliver();
    await prisma().request.update({ where: { id: view.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect(await expireDueRequests(prisma())).toBeGreaterThanOrEqual(1);
    expect(await deliver()).toMatchObject({ delivered: 1 });
    const last = slack.calls.at(-1)!;
    expect(last.method).toBe("chat.update");
    expect(cardText(last)).toContain("Expired");
    expect(hasButton(last, "Review request")).toBe(false);
    expect(cardText(last)).not.toContain("Expires");
  });

  it("a 429 is retried after Retry-After without losing the update or posting twice", async () => {
    const { caller } = await agentCaller();
    const { view, resource } = await pendingCritical(caller);
    await deliver();
    const alice = await reviewer("Alice");
    await decideRequest(prisma(), cfg, { requestId: view.id, reviewerId: alice.id, decision: { decision: "approve", confirmation: resource } });
    slack.replies.push({ status: 429, json: { ok: false, error: "ratelimited" }, headers: { "retry-after": "30" } });

    const t0 = new Date(Date.now() + 1_000);
    expect(await deliver(t0)).toMatchObject({ claimed: 1, retrying: 1, delivered: 0 });
    const row = await prisma().notificationDelivery.findFirstOrThrow({ where: { requestId: view.id, kind: "slack.update" } });
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "chat.update: HTTP 429 (rate limited)" });
    // Slack's Retry-After, not our own backoff.
    expect(row.nextAttemptAt.getTime() - t0.getTime()).toBeGreaterThanOrEqual(30_000);
    expect(row.nextAttemptAt.getTime() - t0.getTime()).toBeLessThan(31_000);
    expect(await deliver(new Date(t0.getTime() + 10_000))).toMatchObject({ claimed: 0 });

    expect(await deliver(new Date(t0.getTime() + 31_000))).toMatchObject({ claimed: 1, delivered: 1 });
    const methods = slack.calls.map((c) => `${c.method}${c.body.thread_ts ? " (thread)" : ""}`);
    expect(methods).toEqual(["chat.postMessage", "chat.update", "chat.update", "chat.postMessage (thread)"]);
    expect(cardText(slack.calls[2])).toContain("1 of 2 approvals — Alice");
  });

  it("ok:false is recorded: a passing error is retried, one that cannot succeed fails at once; the decision never waits", async () => {
    const { caller } = await agentCaller();
    const { view, resource } = await pendingCritical(caller);
    await deliver();

    // Slack answers HTTP 200 with {ok: false}: the approval is recorded regardless.
    const alice = await reviewer("Alice");
    const decided = await decideRequest(prisma(), cfg, { requestId: view.id, reviewerId: alice.id, decision: { decision: "approve", confirmation: resource } });
    expect(decided.status).toBe("pending");
    slack.replies.push({ status: 200, json: { ok: false, error: "internal_error" } });
    const t0 = new Date(Date.now() + 1_000);
    expect(await deliver(t0)).toMatchObject({ retrying: 1 });
    let row = await prisma().notificationDelivery.findFirstOrThrow({ where: { requestId: view.id, kind: "slack.update" } });
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "chat.update: internal_error" });
    expect(await deliver(new Date(t0.getTime() + 3_600_000))).toMatchObject({ delivered: 1 });

    // The threaded reply fails after the card was updated: the retry owes only the reply.
    const bob = await reviewer("Bob");
    await prisma().request.update({ where: { id: view.id }, data: { requiredApprovals: 3 } });
    await decideRequest(prisma(), cfg, { requestId: view.id, reviewerId: bob.id, decision: { decision: "approve", confirmation: resource } });
    slack.replies.push({ status: 200, json: { ok: true, channel: CHANNEL, ts: "1" } }, { status: 200, json: { ok: false, error: "service_unavailable" } });
    const before = slack.calls.length;
    expect(await deliver(new Date(t0.getTime() + 7_200_000))).toMatchObject({ retrying: 1 });
    expect(await deliver(new Date(t0.getTime() + 10_800_000))).toMatchObject({ delivered: 1 });
    expect(slack.calls.slice(before).map((c) => `${c.method}${c.body.thread_ts ? " (thread)" : ""}`)).toEqual([
      "chat.update",
      "chat.postMessage (thread)",
      "chat.postMessage (thread)",
    ]);

    // A message someone deleted in Slack cannot be updated: failed at once, with Slack's reason.
    const denier = await reviewer("Carol");
    slack.replies.push({ status: 200, json: { ok: false, error: "message_not_found" } });
    const denied = await decideRequest(prisma(), cfg, { requestId: view.id, reviewerId: denier.id, decision: { decision: "deny", reason: "No backup" } });
    expect(denied.status).toBe("denied");
    expect(await deliver(new Date(t0.getTime() + 14_400_000))).toMatchObject({ failed: 1 });
    row = await prisma().notificationDelivery.findFirstOrThrow({ where: { requestId: view.id, kind: "slack.update" }, orderBy: { createdAt: "desc" } });
    expect(row).toMatchObject({ status: "failed", attempts: 1, lastError: "chat.update: message_not_found" });
  });

  it("the token and channel are set in Settings, stored encrypted, never shown back, and removable", async () => {
    const admin = { type: "cli" as const };
    const bare = { ...h.config, slackBot: undefined, slackApiUrl: slack.url };
    expect((await getSlackSettings(prisma(), bare)).bot).toBeNull();
    await expect(saveSlackBotSettings(prisma(), { channelId: CHANNEL }, admin, bare)).rejects.toMatchObject({ code: "validation_failed" });
    await expect(saveSlackBotSettings(prisma(), { botToken: "not-a-token", channelId: CHANNEL }, admin, bare)).rejects.toMatchObject({ code: "validation_failed" });

    const after = await saveSlackBotSettings(prisma(), { botToken: TOKEN, channelId: CHANNEL }, admin, bare);
    expect(after.bot).toEqual({ channelId: CHANNEL, source: "settings" });
    expect(JSON.stringify(after)).not.toContain(TOKEN);
    const row = await prisma().setting.findUniqueOrThrow({ where: { key: "slack" } });
    expect(JSON.stringify(row.value)).not.toContain(TOKEN);
    const audit = await prisma().auditEvent.findMany({ where: { type: "settings.slack_changed" } });
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit.map((a) => a.data))).not.toContain(TOKEN);

    // Saving again without a token keeps the stored one.
    await saveSlackBotSettings(prisma(), { botToken: "", channelId: "C0OTHER" }, admin, bare);
    expect(await sendTestNotification(prisma(), bare)).toMatchObject({ ok: true });
    expect(slack.calls.at(-1)).toMatchObject({ method: "chat.postMessage", authorization: `Bearer ${TOKEN}`, body: { channel: "C0OTHER" } });

    await removeSlackBotSettings(prisma(), admin, bare);
    expect((await getSlackSettings(prisma(), bare)).bot).toBeNull();
  });
});
