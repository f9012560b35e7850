// The Slack card as reviewers read it: what Countersign knows first, the agent's words labelled
// after, the approvals so far, and no call to action once the request is closed.
import { describe, expect, it } from "vitest";
import { approvalReply, requestCard, type NotifiableRequest, type SlackBlock } from "./messages";

const cfg = { publicUrl: "https://countersign.example" };
const ID = "5f0c6c1e-3b7d-4a53-9f1a-2b8e7d6c5a41";

function request(overrides: Partial<NotifiableRequest> = {}): NotifiableRequest {
  return {
    id: ID,
    summary: "Clean up <!channel> old orders",
    environment: "production",
    resource: "postgres/main",
    riskLevel: "critical",
    findings: [{ id: "sql.delete", level: "critical", message: "Deletes rows of public.orders" }],
    expiresAt: new Date("2026-11-25T10:15:00.000Z"),
    status: "pending",
    requiredApprovals: 2,
    kind: "sql",
    operation: { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DELETE FROM public.orders\nWHERE created_at < '2020-01-01';" },
    plannedEffect: { summary: "Deletes 1,204 of 9,000 rows in `public.orders`.", details: "" },
    ...overrides,
  };
}

/** Each block's text, in order, flattened. */
function lines(blocks: SlackBlock[]): string[] {
  return blocks.map((b) => {
    if (b.type === "header") return b.text.text;
    if (b.type === "section") return [b.text?.text ?? "", ...(b.fields ?? []).map((f) => f.text)].join(" | ");
    if (b.type === "context") return b.elements.map((e) => e.text).join(" ");
    if (b.type === "actions") return b.elements.map((e) => `[${e.text.text}]`).join(" ");
    return "";
  });
}

describe("requestCard", () => {
  it("leads with the operation's first line as code, then the measurement, one environment and risk line, then the agent's summary", () => {
    const card = requestCard(request(), "deploy-bot", cfg, { tier: "production" });
    const text = lines(card.blocks);
    expect(text[0]).toBe("Approval needed: critical risk in production");
    expect(text[1]).toBe("`DELETE FROM public.orders …`");
    expect(text[2]).toBe("*Measured:* Deletes 1,204 of 9,000 rows in `public.orders`.");
    expect(text[3]).toBe("Environment `production` :rotating_light: *PRODUCTION*  ·  Risk :red_circle: *critical*");
    expect(text[4]).toBe("*Agent says (unverified):* Clean up &lt;!channel&gt; old orders");
    // The agent's words are a plain_text element, never mrkdwn.
    const says = card.blocks[4];
    expect(says.type === "context" && says.elements[1]).toEqual({ type: "plain_text", text: "Clean up &lt;!channel&gt; old orders", emoji: false });
    expect(text.at(-2)).toBe("[Review request]");
    expect(card.text).toContain("DELETE FROM public.orders");
  });

  it("a waiting card shows the approvals so far with their names, escaped", () => {
    const card = requestCard(request(), "deploy-bot", cfg, { approvedBy: ["Alice <@U1>"] });
    const text = lines(card.blocks).join("\n");
    expect(text).toContain("Approved so far: 1 of 2 approvals — Alice &lt;@U1&gt;");
    expect(text).toContain("[Review request]");
  });

  it.each([
    ["approved", "Approved"],
    ["denied", "Denied"],
    ["executed", "Executed (as reported by the executor)"],
    ["failed", "Failed (as reported by the executor)"],
    ["expired", "Expired"],
    ["cancelled", "Cancelled by the agent"],
    ["revoked", "Approval revoked"],
  ])("a %s card says so, by whom, and invites no click", (status, headline) => {
    const card = requestCard(request({ status, reason: status === "denied" ? "No backup" : null }), "deploy-bot", cfg, {
      decidedBy: "Bob",
      approvedBy: ["Alice", "Bob"],
    });
    const text = lines(card.blocks).join("\n");
    expect(text).toContain(headline);
    expect(text).toContain("By Bob");
    expect(card.blocks.some((b) => b.type === "actions")).toBe(false);
    expect(text).not.toMatch(/Review request|Expires|Findings/);
    expect(text).toContain(`<https://countersign.example/requests/${ID}|request ${ID.slice(0, 8)}>`);
    if (status === "denied") expect(text).toContain("Reason: No backup");
  });

  it("a card cooling down after the last approval has no Review button but links to the request", () => {
    const card = requestCard(request({ status: "cooling_down", coolDownUntil: new Date("2026-11-25T10:05:00.000Z") }), "bot", cfg, { approvedBy: ["Alice", "Bob"] });
    const text = lines(card.blocks).join("\n");
    expect(text).toContain("Approved, cooling down");
    expect(text).toContain("Approvals: 2 of 2 approvals — Alice, Bob");
    expect(text).toContain("[View request]");
    expect(text).not.toContain("Review request");
  });

  it("an HTTP request leads with its method, host and path", () => {
    const card = requestCard(request({ kind: "http", operation: { kind: "http", method: "DELETE", url: "https://api.example.com/v1/volumes/vol-1" }, plannedEffect: null }), "bot", cfg);
    expect(lines(card.blocks)[1]).toBe("`DELETE api.example.com/v1/volumes/vol-1`");
  });
});

describe("approvalReply", () => {
  it("says who approved, how many of how many, and how many are still needed, escaped", () => {
    const reply = approvalReply(request(), ["Alice @here"]);
    expect(reply.text).toBe(":ballot_box_with_check: Approved 1 of 2 approvals — Alice @\u2060here. Still waiting for 1 approval.");
    expect(reply.blocks).toEqual([{ type: "section", text: { type: "plain_text", text: reply.text, emoji: true } }]);
  });
});
