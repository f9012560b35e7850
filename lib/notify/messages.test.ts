import { describe, expect, it } from "vitest";
import { decisionMessage, pendingRequestMessage, testMessage, type NotifiableRequest, type SlackMessage } from "./messages";
import { neutraliseMentions, slackEscape, untrusted, untrustedCode } from "./escape";
import { maskWebhook, SaveSlackSettings } from "./settings";
import { parseRetryAfter } from "./send";
import { backoffMs, BACKOFF_MS } from "./queue";
import { Operation } from "../operations/schema";
import { assessRisk, loadRiskEngine } from "../risk";

const cfg = { publicUrl: "https://countersign.example" };
const ID = "0b7e3a52-6a8e-4a4f-9d7c-1f2e3d4c5b6a";

function request(overrides: Partial<NotifiableRequest> = {}): NotifiableRequest {
  return {
    id: ID,
    summary: "Drop the old customers table",
    environment: "production",
    resource: "postgres/main",
    riskLevel: "critical",
    findings: [{ id: "sql.drop_table", level: "critical", message: "Drops table public.customers" }],
    expiresAt: new Date("2026-11-25T10:15:00.000Z"),
    status: "pending",
    reason: null,
    requiredApprovals: 2,
    ...overrides,
  };
}

/** Every text object in a message, with where it sits. */
function texts(message: SlackMessage): Array<{ type: string; text: string; where: string }> {
  const out: Array<{ type: string; text: string; where: string }> = [{ type: "fallback", text: message.text, where: "text" }];
  for (const block of message.blocks) {
    if (block.type === "header") out.push({ ...block.text, where: "header" });
    if (block.type === "section") {
      if (block.text) out.push({ ...block.text, where: "section" });
      for (const f of block.fields ?? []) out.push({ ...f, where: "field" });
    }
    if (block.type === "context") for (const e of block.elements) out.push({ ...e, where: "context" });
    if (block.type === "actions") for (const e of block.elements) out.push({ ...e.text, where: "button" });
  }
  return out;
}

// Raw strings an agent might use to ping a channel, impersonate a link or forge formatting.
const HOSTILE = "<!channel> <!here> <@U1> <#C1> <!subteam^S1> <https://evil.example|x> @here @channel @everyone @Here";
const RAW_FORMS = ["<!channel>", "<!here>", "<@U1>", "<#C1>", "<!subteam^S1>", "<https://evil.example|x>", "<https://evil.example"];

function expectNeutralised(json: string) {
  for (const raw of RAW_FORMS) expect(json).not.toContain(raw);
  // A broadcast word directly after "@" (no joiner in between) would notify the channel.
  expect(json).not.toMatch(/@(channel|here|everyone)/i);
}

describe("pendingRequestMessage", () => {
  it("links to the request page with one 'Review request' button and no interactive approval", () => {
    const message = pendingRequestMessage(request(), "deploy-bot", cfg);
    const actions = message.blocks.filter((b) => b.type === "actions");
    expect(actions).toHaveLength(1);
    const buttons = actions.flatMap((b) => (b.type === "actions" ? b.elements : []));
    expect(buttons).toEqual([
      { type: "button", text: { type: "plain_text", text: "Review request" }, url: `https://countersign.example/requests/${ID}`, action_id: "open_request" },
    ]);
    // No button carries a value a Slack app could act on, and nothing says approve/deny.
    expect(JSON.stringify(message)).not.toMatch(/"value"|approve_request|deny_request/);
    expect(message.unfurl_links).toBe(false);
  });

  it("shows summary, agent, environment marked as production, risk, top findings and expiry", () => {
    const message = pendingRequestMessage(request(), "deploy-bot", cfg, { tier: "production" });
    const json = JSON.stringify(message);
    expect(json).toContain("Drop the old customers table");
    expect(json).toContain("`deploy-bot`");
    expect(json).toContain("`production`");
    expect(json).toContain("PRODUCTION");
    expect(json).toContain("*critical*");
    expect(json).toContain("CRITICAL: Drops table public.customers");
    expect(json).toContain(`<!date^${Date.parse("2026-11-25T10:15:00.000Z") / 1000}^`);
    expect(json).toContain("2 approvals");
    expect(message.text).toContain("Drop the old customers table");
  });

  it("does not mark a non-production environment as production", () => {
    const json = JSON.stringify(pendingRequestMessage(request({ environment: "staging" }), "bot", cfg, { tier: "other" }));
    expect(json).toContain("`staging`");
    expect(json).not.toContain("PRODUCTION");
    expect(json).not.toContain("in production");
  });

  it("lists the three worst findings and says how many more there are", () => {
    const findings = [
      { id: "a", level: "low", message: "low one" },
      { id: "b", level: "high", message: "high one" },
      { id: "c", level: "critical", message: "critical one" },
      { id: "d", level: "medium", message: "medium one" },
      { id: "e", level: "high", message: "high two" },
    ];
    const section = pendingRequestMessage(request({ findings }), "bot", cfg).blocks.find(
      (b) => b.type === "section" && b.text?.text.startsWith("Findings"),
    );
    expect(section && section.type === "section" && section.text?.text).toBe(
      "Findings\n• CRITICAL: critical one\n• HIGH: high one\n• HIGH: high two\n…and 2 more on the request page",
    );
  });

  it.each([
    ["summary", (t: string) => request({ summary: t })],
    ["agent name", (t: string) => t],
    ["resource", (t: string) => request({ resource: t })],
    ["environment", (t: string) => request({ environment: t })],
    ["finding message", (t: string) => request({ findings: [{ id: "x", level: "high", message: `Drops table ${t}` }] })],
  ])("escapes hostile text in the %s", (_where, place) => {
    const placed = place(HOSTILE);
    const message =
      typeof placed === "string"
        ? pendingRequestMessage(request(), placed, cfg)
        : pendingRequestMessage(placed, "bot", cfg);
    const json = JSON.stringify(message);
    expectNeutralised(json);
    expect(json).toContain("&lt;!channel&gt;");
    expect(json).toContain("&lt;https://evil.example|x&gt;");
    expect(json).toContain("@\u2060here");
  });

  it("keeps agent text out of mrkdwn formatting: plain_text, or inline code in mrkdwn", () => {
    const message = pendingRequestMessage(
      request({ summary: "*URGENT* _approved_ by ~security~", resource: "db`*x*`" }),
      "*Security Team*",
      cfg,
    );
    for (const t of texts(message)) {
      if (t.type !== "mrkdwn") continue;
      // Agent-chosen values inside mrkdwn appear only inside code spans.
      expect(t.text).not.toMatch(/(^|[^`])\*Security Team\*/);
      expect(t.text).not.toContain("*URGENT*");
    }
    const json = JSON.stringify(message);
    expect(json).toContain("`*Security Team*`");
    expect(json).toContain("`dbˋ*x*ˋ`");
    const summary = texts(message).find((t) => t.text.includes("URGENT") && t.where !== "text");
    expect(summary?.type).toBe("plain_text");
  });

  it("shows hidden and bidirectional characters as visible escapes, never passing them through or blanking them", () => {
    const message = pendingRequestMessage(request({ summary: "safe\u202Eexe.txt\u200B\u0000 \u{E0041}" }), "bo\u200Bt", cfg);
    const all = texts(message).map((t) => t.text).join("\n");
    expect(all).not.toMatch(/[\u202e\u200b\u0000\ufffd]|\u{e0041}/u);
    expect(all).toContain("safe\\u202Eexe.txt\\u200B\\u0000 \\u{E0041}");
    expect(all).toContain("`bo\\u200Bt`");
  });

  it("names the hidden and look-alike character findings of the operation, as escapes", async () => {
    await loadRiskEngine();
    const operation = Operation.parse({ kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: 'DELETE FROM \u043erders WHERE note = "x\u202E"' });
    const risk = assessRisk(operation);
    const message = pendingRequestMessage(request({ riskLevel: risk.level, findings: risk.findings, summary: "Tidy \u043erders" }), "bot", cfg);
    const findings = texts(message).find((t) => t.text.startsWith("Findings"))!.text;
    expect(findings).toContain("CRITICAL: The SQL holds a hidden character (U+202E RIGHT-TO-LEFT OVERRIDE)");
    expect(findings).toContain("CRITICAL: The SQL mixes look-alike letters from another script into Latin words (`\\u043Erders`: U+043E CYRILLIC SMALL LETTER O (looks like o))");
    expect(texts(message).map((t) => t.text).join("\n")).not.toMatch(/[\u202e\ufffd]/u);
  });

  it("carries Countersign's measured effect, labelled as measured and escaped like agent text", () => {
    const summary = "Deletes 12,431 of 12,431 rows in `public.customers` (3.1 MB); 2 views depend on it.";
    const message = pendingRequestMessage(request({ plannedEffect: { summary, details: "plan …" } }), "bot", cfg);
    const measured = texts(message).find((t) => t.text.startsWith("*Measured:*"));
    // Countersign's sentence, in mrkdwn so the table names read as code.
    expect(measured).toMatchObject({ type: "mrkdwn", text: `*Measured:* ${summary}` });
    expect(JSON.stringify(message)).not.toContain("plan …");

    const hostile = pendingRequestMessage(request({ plannedEffect: { summary: "Drops `public.<!channel>` @here", details: "" } }), "bot", cfg);
    expect(texts(hostile).find((t) => t.text.startsWith("*Measured:*"))?.text).toBe("*Measured:* Drops `public.&lt;!channel&gt;` @\u2060here");
    expect(JSON.stringify(pendingRequestMessage(request(), "bot", cfg))).not.toContain("Measured:");
  });

  it("cuts long agent text to Slack's limits", () => {
    const long = "&".repeat(5000);
    const message = pendingRequestMessage(request({ summary: long, resource: long, findings: [{ level: "high", message: long }] }), long, cfg);
    for (const t of texts(message)) {
      const limit = t.where === "header" ? 150 : t.where === "field" ? 2000 : t.where === "button" ? 75 : 3000;
      expect(t.text.length, `${t.where}: ${t.text.slice(0, 40)}`).toBeLessThanOrEqual(limit);
      expect(t.text).not.toMatch(/&(?!amp;|lt;|gt;)/); // never a split entity
    }
    expect(JSON.stringify(message)).toContain("…");
  });
});

describe("decisionMessage", () => {
  it.each([
    ["approved", "Approved"],
    ["denied", "Denied"],
    ["expired", "Expired"],
    ["cancelled", "Cancelled by the agent"],
    ["revoked", "Approval revoked"],
    ["executed", "Executed (as reported by the executor)"],
    ["failed", "Failed (as reported by the executor)"],
  ])("%s has its own headline and links to the request", (status, headline) => {
    const message = decisionMessage(request({ status }), "bot", cfg);
    const header = message.blocks[0];
    expect(header.type === "header" && header.text.text).toContain(headline);
    expect(message.text.startsWith(headline)).toBe(true);
    // A closed request's card links to the record but has no button inviting a review.
    expect(JSON.stringify(message)).toContain(`<https://countersign.example/requests/${ID}|request `);
    expect(message.blocks.some((b) => b.type === "actions")).toBe(false);
    expect(JSON.stringify(message)).not.toContain("Review request");
  });

  it("escapes the reason, the reviewer and the executor's report", () => {
    const denied = JSON.stringify(decisionMessage(request({ status: "denied", reason: HOSTILE }), "bot", cfg, { decidedBy: "<@U1> @here" }));
    expectNeutralised(denied);
    expect(denied).toContain("Reason: &lt;!channel&gt;");
    const failed = JSON.stringify(decisionMessage(request({ status: "failed", outcomeDetail: HOSTILE }), "bot", cfg));
    expectNeutralised(failed);
    expect(failed).toContain("Executor's report: &lt;!channel&gt;");
  });
});

describe("testMessage", () => {
  it("says Countersign is connected", () => {
    expect(testMessage(cfg).text).toContain("Countersign is connected");
  });
});

describe("escaping", () => {
  it.each([
    ["a & b", "a &amp; b"],
    ["<!channel>", "&lt;!channel&gt;"],
    ["&lt;", "&amp;lt;"],
  ])("slackEscape(%j) = %j", (input, output) => {
    expect(slackEscape(input)).toBe(output);
  });

  it.each([
    ["@here", "@\u2060here"],
    ["@CHANNEL!", "@\u2060CHANNEL!"],
    ["@everyone and @group", "@\u2060everyone and @\u2060group"],
    ["@heresy", "@heresy"],
    ["mail@example.com", "mail@example.com"],
  ])("neutraliseMentions(%j)", (input, output) => {
    expect(neutraliseMentions(input)).toBe(output);
  });

  it("a zero-width character cannot smuggle a mention past the check", () => {
    expect(untrusted("@\u200Bhere", { max: 50 })).not.toMatch(/@\u200Bhere|@here/);
  });

  it("untrustedCode keeps the value inside one code span", () => {
    expect(untrustedCode("a`b", 20)).toBe("`aˋb`");
    expect(untrustedCode("", 20)).toBe("_(none)_");
  });

  it("truncates by characters before escaping", () => {
    expect(untrusted("<<<<<", { max: 3 })).toBe("&lt;&lt;…");
  });
});

describe("webhook settings helpers", () => {
  it("maskWebhook shows host and the last four characters only", () => {
    const url = "https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnopWXYZ";
    expect(maskWebhook(url)).toBe("https://hooks.slack.com/…WXYZ");
    expect(maskWebhook(url)).not.toContain("abcdefgh");
    expect(maskWebhook(null)).toBeNull();
    expect(maskWebhook("not a url")).toBe("(not a valid URL)");
  });

  it.each([
    ["https://hooks.slack.com/services/T/B/X", true],
    ["http://127.0.0.1:8080/hook", true],
    ["http://localhost/hook", true],
    ["http://hooks.slack.com/services/T/B/X", false],
    ["ftp://hooks.slack.com/x", false],
    ["https://user:pass@hooks.slack.com/x", false],
    ["not a url", false],
    [null, true],
    ["", true],
  ])("SaveSlackSettings accepts %j: %s", (webhookUrl, ok) => {
    expect(SaveSlackSettings.safeParse({ webhookUrl }).success).toBe(ok);
  });
});

describe("retry timing", () => {
  it.each([
    ["120", 120_000],
    ["0", 1_000],
    ["1.5", 1_500],
    ["999999", 3_600_000],
    ["soon", undefined],
    [null, undefined],
  ])("Retry-After %j → %j ms", (header, ms) => {
    expect(parseRetryAfter(header)).toBe(ms);
  });

  it("Retry-After as an HTTP date counts from now", () => {
    const now = new Date("2026-11-25T10:00:00Z");
    expect(parseRetryAfter("Wed, 25 Nov 2026 10:01:00 GMT", now)).toBe(60_000);
  });

  it("backs off 5 s, 30 s, 2 min, 10 min, then 1 h, with ±20% jitter", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, () => 0.5))).toEqual([...BACKOFF_MS, 3_600_000, 3_600_000]);
    expect(backoffMs(1, () => 0)).toBe(4_000);
    expect(backoffMs(1, () => 1)).toBe(6_000);
  });
});
