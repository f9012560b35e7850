// Slack: settings, the deep link a reviewer follows from a notification, and the whole review loop
// as people live it, starting from that link, with the bot keeping the card in the channel current
// (against the stand-in for Slack's Web API that global set-up gives the server). Serial: the
// webhook and the bot are settings for the whole server.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { expect, fillSignIn, signInAt, sqlOperation, test, unique } from "./fixtures";
import { registerPasskey, virtualAuthenticator } from "./passkeys";
import { ADMIN, USERS, e2eState } from "./state";
import {
  SLACK_STAND_IN_CHANNEL,
  SLACK_STAND_IN_TOKEN,
  recordedSlackCalls,
  slackCardHasButton,
  slackCardText,
  type SlackCall,
} from "../test/slack-web-api";

test.describe.configure({ mode: "serial" });

function receiver() {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push(body);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  return {
    received,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/e2e-secret-path`;
    },
    close: () => server.close(),
  };
}

async function setWebhook(page: Page, webhook: string) {
  await page.goto("/settings");
  await page.getByLabel("Slack webhook URL").fill(webhook);
  await page.getByRole("button", { name: "Save webhook" }).click();
  await expect(page.getByText(webhook ? "Saved." : /Removed\./)).toBeVisible();
}

async function messageFor(slack: ReturnType<typeof receiver>, requestId: string): Promise<any> {
  let message: any;
  await expect
    .poll(() => {
      message = slack.received.map((b) => JSON.parse(b)).find((m) => JSON.stringify(m).includes(requestId));
      return Boolean(message);
    }, { timeout: 20_000 })
    .toBe(true);
  return message;
}

async function setBot(page: Page, on: boolean) {
  await page.goto("/settings");
  const bot = page.getByRole("region", { name: "Slack app (bot token)" });
  if (on) {
    await bot.getByLabel("Slack bot token").fill(SLACK_STAND_IN_TOKEN);
    await bot.getByLabel("Channel ID").fill(SLACK_STAND_IN_CHANNEL);
    await bot.getByRole("button", { name: "Save bot" }).click();
    await expect(bot.getByText(/^Saved\. New pending requests are posted by the bot/)).toBeVisible();
    // The token is a secret: never shown back.
    await expect(page.getByText(SLACK_STAND_IN_TOKEN)).toHaveCount(0);
  } else {
    await bot.getByRole("button", { name: "Remove bot" }).click();
    await expect(bot.getByText(/^Removed\./)).toBeVisible();
  }
}

/**
 * The bot's calls about one request so far, in order, once `count` of them have been made: the
 * message it posted for the request, and every edit of or reply to that message.
 */
async function botCallsFor(requestId: string, count: number): Promise<SlackCall[]> {
  let calls: SlackCall[] = [];
  await expect
    .poll(
      async () => {
        const all = await recordedSlackCalls(e2eState().slackApiUrl);
        const post = all.find((c) => c.method === "chat.postMessage" && !c.body.thread_ts && JSON.stringify(c.body).includes(requestId));
        const ts = post?.answer?.ts;
        calls = post ? all.filter((c) => c === post || (ts !== undefined && (c.body.ts === ts || c.body.thread_ts === ts))) : [];
        return calls.length;
      },
      { timeout: 20_000 },
    )
    .toBeGreaterThanOrEqual(count);
  return calls;
}

/** Settles to "still waiting" if the promise has not resolved within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "still waiting"> {
  return Promise.race([promise, new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), ms))]);
}

test("an admin sets the Slack webhook and sends a test message", async ({ page }) => {
  const slack = receiver();
  const received = slack.received;
  const webhook = await slack.start();
  try {
    await signInAt(page, ADMIN, "/settings");
    await page.getByLabel("Slack webhook URL").fill(webhook);
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText("Saved.")).toBeVisible();
    // The secret path is never shown again in full.
    await expect(page.getByText(webhook)).toHaveCount(0);
    await page.getByRole("button", { name: "Send test" }).click();
    await expect(page.getByText("Test message sent.")).toBeVisible();
    expect(received.length).toBeGreaterThan(0);
    expect(JSON.parse(received[0])).toHaveProperty("text");
  } finally {
    // Leave notifications off for the other specs.
    await page.getByLabel("Slack webhook URL").fill("");
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText(/Removed\./)).toBeVisible();
    slack.close();
  }
});

test("a pending request reaches Slack with a deep link; the reviewer follows it, signs in and denies", async ({ browser, page, agent, baseURL }) => {
  const slack = receiver();
  const webhook = await slack.start();
  try {
    await signInAt(page, ADMIN, "/settings");
    await page.getByLabel("Slack webhook URL").fill(webhook);
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText("Saved.")).toBeVisible();

    const resource = unique("postgres/main");
    const created = await agent.create({
      operation: sqlOperation(`DROP TABLE ${unique("orders")};`, resource),
      summary: "Tidy up <!channel> @here <https://evil.example|click me>",
    });
    expect(created.status).toBe("pending");

    // The worker delivers within seconds; find this request's message.
    let message: any;
    await expect
      .poll(() => {
        message = slack.received.map((b) => JSON.parse(b)).find((m) => JSON.stringify(m).includes(created.id));
        return Boolean(message);
      }, { timeout: 20_000 })
      .toBe(true);
    const raw = JSON.stringify(message);
    expect(raw).not.toContain("<!channel>");
    expect(raw).not.toContain("<https://evil.example|click me>");
    // Every @here carries the word joiner lib/notify/escape.ts inserts, so Slack does not resolve it.
    expect(raw).not.toMatch(/@(?!\u2060)here/);
    // The summary is still there, as inert text: entities for Slack's control characters.
    expect(raw).toContain("Tidy up &lt;!channel&gt; @\u2060here &lt;https://evil.example|click me&gt;");
    const link = raw.match(/"url":"([^"]+\/requests\/[^"]+)"/)![1];
    expect(link).toBe(`${baseURL}/requests/${created.id}`);

    // A signed-out reviewer opens the link from Slack, signs in, and lands on the request.
    const phone = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 } });
    const reviewer = await phone.newPage();
    await reviewer.goto(link);
    await expect(reviewer).toHaveURL(/\/signin\?callbackUrl=/);
    await fillSignIn(reviewer, USERS.bob);
    await expect(reviewer).toHaveURL(new RegExp(`/requests/${created.id}$`));
    await reviewer.getByLabel("Reason").fill("Not without a backup first");
    await reviewer.getByRole("button", { name: "Deny" }).click();
    const answer = await agent.get(created.id, 10);
    expect(answer.body).toMatchObject({ status: "denied", reason: "Not without a backup first" });
    await phone.close();

    // The decision follows up in Slack.
    await expect
      .poll(() => slack.received.filter((b) => b.includes(created.id)).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
  } finally {
    await page.goto("/settings");
    await page.getByLabel("Slack webhook URL").fill("");
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText(/Removed\./)).toBeVisible();
    slack.close();
  }
});

test("hidden and look-alike characters reach Slack as visible escapes, with their findings named", async ({ page, agent }) => {
  const slack = receiver();
  const webhook = await slack.start();
  try {
    await signInAt(page, ADMIN, "/settings");
    await setWebhook(page, webhook);
    const created = await agent.create({
      operation: sqlOperation("DELETE FROM \u043erders WHERE id = 1 -- \u202e", unique("postgres/main"), "staging"),
      summary: "Remove one order from invoice\u202Efdp.exe",
    });
    expect(created.status).toBe("pending");
    const message = await messageFor(slack, created.id);
    const raw = JSON.stringify(message);
    // Escapes a reader can see, never the character itself nor a replacement character.
    expect(raw).not.toMatch(/[\u202e\ufffd]/);
    expect(raw).toContain("Remove one order from invoice\\\\u202Efdp.exe");
    const findings = message.blocks.find((b: any) => b.type === "section" && b.text?.text.startsWith("Findings")).text.text as string;
    expect(findings).toContain("CRITICAL: The SQL holds a hidden character (U+202E RIGHT-TO-LEFT OVERRIDE)");
    expect(findings).toContain("CRITICAL: The SQL mixes look-alike letters from another script into Latin words (`\\u043Erders`");
  } finally {
    await setWebhook(page, "");
    slack.close();
  }
});

test("the whole loop from Slack: a critical production request, two approvers, a waiting agent, one redemption, the card kept current", async ({ browser, page, agent, baseURL }) => {
  try {
    await signInAt(page, ADMIN, "/settings");
    await setBot(page, true);

    const resource = unique("postgres/main");
    const table = unique("customers_old");
    const operation = sqlOperation(`DROP TABLE ${table};`, resource);
    const created = await agent.create({
      operation,
      summary: `Drop ${table}, left over from the March migration`,
      context: {
        reasoning: "The migration copied every row to customers; nothing reads the old table any more.",
        prompt: "Clean up the leftover tables from the March migration.",
        transcript: [
          { role: "user", content: "Please tidy up the database." },
          { role: "assistant", content: `I found ${table}; I will drop it.` },
        ],
        links: ["https://tickets.example.com/OPS-42"],
      },
      diff: { format: "unified", content: `--- a/schema.sql\n+++ b/schema.sql\n@@ -1,3 +1,1 @@\n-CREATE TABLE ${table} (\n-  id bigint\n-);\n CREATE TABLE customers (id bigint);\n` },
      ttlSeconds: 900,
    });
    expect(created.status).toBe("pending");
    expect(created.risk.level).toBe("critical");
    expect(created.requiredApprovals).toBe(2);
    // The agent waits for the decision from the start, as agents do.
    const waiting = agent.get(created.id, 60);

    // The bot posts the card to the channel: the operation first, a Review button with the deep link.
    const [post] = await botCallsFor(created.id, 1);
    expect(post).toMatchObject({ method: "chat.postMessage", authorization: `Bearer ${SLACK_STAND_IN_TOKEN}`, body: { channel: SLACK_STAND_IN_CHANNEL } });
    expect(post.body.thread_ts).toBeUndefined();
    expect(slackCardText(post)).toContain(`\`DROP TABLE ${table};\``);
    expect(slackCardHasButton(post, "Review request")).toBe(true);
    const link = slackCardText(post).match(/"url":"([^"]+\/requests\/[^"]+)"/)![1];
    expect(link).toBe(`${baseURL}/requests/${created.id}`);
    /** The bot's later calls must edit this message, not post new ones. */
    const cardUpdates = async (count: number) => {
      const calls = await botCallsFor(created.id, count);
      return calls.slice(1).filter((c) => c.method === "chat.update");
    };

    // Alice follows the link from Slack while signed out, signs in, and lands on the request.
    const alice = await browser.newContext({ baseURL });
    const alicePage = await alice.newPage();
    await alicePage.goto(link);
    await expect(alicePage).toHaveURL(/\/signin\?callbackUrl=%2Frequests%2F/);
    await fillSignIn(alicePage, USERS.alice);
    await expect(alicePage).toHaveURL(new RegExp(`/requests/${created.id}$`));

    // She reads what will run, why Countersign thinks it is dangerous, and the agent's story.
    // First the line that runs, then the resource; production said once, by the banner.
    await expect(alicePage.getByRole("heading", { level: 1 })).toHaveText(`DROP TABLE ${table};`);
    await expect(alicePage.locator("article > header")).toContainText(`on ${resource}`);
    await expect(alicePage.getByRole("note", { name: "Production" })).toHaveText("PRODUCTION — this runs against production");
    await expect(alicePage.getByRole("region", { name: "Who is asking" })).toContainText("production (production tier)");
    await expect(alicePage.getByRole("region", { name: /Risk/ })).toContainText("sql.drop_table");
    await expect(alicePage.getByLabel("SQL to run")).toContainText(`DROP TABLE ${table};`);
    const context = alicePage.getByRole("region", { name: "Agent's context" });
    await expect(context).toContainText("Agent-supplied — untrusted");
    await expect(context).toContainText("nothing reads the old table any more");
    await expect(context).toContainText("https://tickets.example.com/OPS-42");
    await expect(context.getByRole("link")).toHaveCount(0);
    await expect(alicePage.getByRole("region", { name: "Agent's planned change (claimed)" })).toContainText(`-CREATE TABLE ${table} (`);
    await expect(alicePage.getByText("0 of 2")).toBeVisible();
    // Production critical: each approval needs the approver's passkey (the default policy).
    await virtualAuthenticator(alicePage);
    await registerPasskey(alicePage, "Alice's laptop");
    await alicePage.goto(link);

    // Approving a critical request needs the resource name typed; until it matches, Approve is disabled.
    await alicePage.getByLabel(/^Type/).fill("postgres/other");
    await expect(alicePage.getByRole("button", { name: "Approve" })).toBeDisabled();
    await alicePage.getByLabel(/^Type/).fill(resource);
    await alicePage.getByRole("button", { name: "Approve" }).click();
    await expect(alicePage.getByText("1 more approval needed")).toBeVisible();
    await expect(alicePage.getByText("1 of 2")).toBeVisible();
    await expect(alicePage.getByRole("button", { name: "Approve" })).toHaveCount(0);

    // One approval of two: the agent is still waiting.
    expect(await within(waiting, 1_500)).toBe("still waiting");
    // The card in the channel says so in place, and the thread hears it too; its button still invites review.
    const afterAlice = await botCallsFor(created.id, 3);
    const [firstUpdate] = await cardUpdates(3);
    expect(firstUpdate.body).toMatchObject({ channel: SLACK_STAND_IN_CHANNEL, ts: post.answer!.ts });
    expect(slackCardText(firstUpdate)).toContain("1 of 2 approvals — Alice Approver");
    expect(slackCardHasButton(firstUpdate, "Review request")).toBe(true);
    const reply = afterAlice.find((c) => c.method === "chat.postMessage" && c.body.thread_ts)!;
    expect(reply.body.text).toContain("Approved 1 of 2 approvals — Alice Approver");

    // Bob, the second and distinct approver, follows the same link.
    const bob = await browser.newContext({ baseURL });
    const bobPage = await bob.newPage();
    await bobPage.goto(link);
    await fillSignIn(bobPage, USERS.bob);
    await expect(bobPage).toHaveURL(new RegExp(`/requests/${created.id}$`));
    await expect(bobPage.getByText("Alice Approver")).toBeVisible();
    await virtualAuthenticator(bobPage);
    await registerPasskey(bobPage, "Bob's phone");
    await bobPage.goto(link);
    await bobPage.getByLabel(/^Type/).fill(resource);
    const approvedAt = Date.now();
    await bobPage.getByRole("button", { name: "Approve" }).click();

    // The waiting agent hears at once: approved, with a grant.
    const decided = await waiting;
    expect(Date.now() - approvedAt).toBeLessThan(5_000);
    expect(decided.status).toBe(200);
    expect(decided.body.status).toBe("approved");
    expect(decided.body.grant.token).toMatch(/^ey/);
    await expect(bobPage.getByText("2 of 2")).toBeVisible();
    await expect(bobPage.getByText(/grant has not been redeemed yet/)).toBeVisible();

    // The card now says approved, by whom, and no longer invites a click.
    const [, approvedCard] = await cardUpdates(4);
    expect(approvedCard.body.ts).toBe(post.answer!.ts);
    expect(slackCardText(approvedCard)).toContain("By Bob Approver");
    expect(slackCardText(approvedCard)).toContain("2 of 2 approvals — Alice Approver, Bob Approver");
    expect(slackCardHasButton(approvedCard, "Review request")).toBe(false);

    // The grant redeems exactly once; the executor reports that it ran.
    expect((await agent.redeem(decided.body.grant.token, operation)).status).toBe(200);
    expect((await agent.redeem(decided.body.grant.token, operation)).status).toBe(409);
    expect((await agent.call("POST", `/api/v1/requests/${created.id}/outcome`, { status: "executed", detail: "table dropped" })).status).toBe(200);

    // Alice's open page notices on its own that the request moved on (live refresh).
    await expect(alicePage.getByText("2 of 2")).toBeVisible({ timeout: 15_000 });
    await alice.close();
    await bob.close();

    // The same card, once more: executed. One message in the channel, one reply in its thread.
    const [, , executedCard] = await cardUpdates(5);
    expect(executedCard.body.ts).toBe(post.answer!.ts);
    expect(slackCardText(executedCard)).toContain("Executed (as reported by the executor)");
    expect(slackCardHasButton(executedCard, "Review request")).toBe(false);
    const calls = await botCallsFor(created.id, 5);
    expect(calls.filter((c) => c.method === "chat.postMessage" && !c.body.thread_ts)).toHaveLength(1);
    expect(calls.filter((c) => c.method === "chat.postMessage" && c.body.thread_ts)).toHaveLength(1);
  } finally {
    await setBot(page, false);
  }
});
