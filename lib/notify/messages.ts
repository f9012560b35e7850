// Slack messages (Block Kit, for incoming webhooks). Pure functions of their input.
// Everything the agent wrote or named goes through `untrusted`/`untrustedCode`; Slack only ever
// links to the request page — it carries no authority to approve.
import type { Config } from "../env";
import { untrusted, untrustedCode } from "./escape";
import { readPlannedEffect } from "../requests/planned-effect";
import { describeLimit } from "../policy/measurement";

export type SlackText =
  | { type: "plain_text"; text: string; emoji?: boolean }
  | { type: "mrkdwn"; text: string; verbatim?: boolean };

export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji?: boolean } }
  | { type: "section"; text?: SlackText; fields?: SlackText[] }
  | { type: "context"; elements: SlackText[] }
  | { type: "divider" }
  | {
      type: "actions";
      elements: Array<{ type: "button"; text: { type: "plain_text"; text: string }; url: string; action_id: string; style?: "primary" | "danger" }>;
    };

/** An incoming-webhook payload. `text` is the notification fallback when blocks cannot be shown. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  unfurl_links: false;
  unfurl_media: false;
}

/** What a message needs of a request; a Prisma `Request` row fits. */
export interface NotifiableRequest {
  id: string;
  summary: string;
  environment: string;
  resource: string;
  riskLevel: string;
  findings: unknown;
  expiresAt: Date;
  status: string;
  reason?: string | null;
  requiredApprovals: number;
  outcomeDetail?: string | null;
  /** The built-in executor's read-only measurement ({summary, details}), when there is one. */
  plannedEffect?: unknown;
}

export interface MessageContext {
  /** The environment's tier; production is marked. Unknown environments count as production. */
  tier?: "production" | "other";
  /** Who decided (for decisions by people): a reviewer's name or email. */
  decidedBy?: string | null;
}

type MessageConfig = Pick<Config, "publicUrl">;

const LIMITS = { plannedEffect: 600, summary: 500, agent: 100, environment: 100, resource: 200, finding: 240, reason: 500, decidedBy: 120 };
const TOP_FINDINGS = 3;
const RISK_ORDER = ["critical", "high", "medium", "low"];
const RISK_EMOJI: Record<string, string> = { critical: ":red_circle:", high: ":large_orange_circle:", medium: ":large_yellow_circle:", low: ":white_circle:" };

export function requestUrl(cfg: MessageConfig, requestId: string): string {
  return `${cfg.publicUrl}/requests/${encodeURIComponent(requestId)}`;
}

function riskLabel(level: string): string {
  const known = RISK_ORDER.includes(level) ? level : "unknown";
  return `${RISK_EMOJI[known] ?? ":white_circle:"} *${known}*`;
}

/** Slack renders the date in each reader's own time zone; the ISO time is the fallback. */
function slackDate(date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${date.toISOString()}>`;
}

interface Finding {
  level: string;
  message: string;
}

function topFindings(findings: unknown): { shown: Finding[]; more: number } {
  const list = (Array.isArray(findings) ? findings : [])
    .filter((f): f is Finding => !!f && typeof f === "object" && typeof (f as Finding).message === "string")
    .map((f) => ({ level: typeof f.level === "string" ? f.level : "unknown", message: f.message }));
  const rank = (level: string) => (RISK_ORDER.indexOf(level) + RISK_ORDER.length + 1) % (RISK_ORDER.length + 1);
  list.sort((a, b) => rank(a.level) - rank(b.level));
  return { shown: list.slice(0, TOP_FINDINGS), more: Math.max(0, list.length - TOP_FINDINGS) };
}

function field(label: string, value: string): SlackText {
  return { type: "mrkdwn", text: `*${label}*\n${value}`, verbatim: true };
}

function environmentField(environment: string, tier: MessageContext["tier"]): SlackText {
  const marker = tier === "other" ? "" : "  :rotating_light: *PRODUCTION*";
  return field("Environment", untrustedCode(environment, LIMITS.environment) + marker);
}

function summaryBlocks(summary: string): SlackBlock[] {
  const text = untrusted(summary, { max: LIMITS.summary, multiline: true, maxLines: 6 });
  return [
    { type: "context", elements: [{ type: "mrkdwn", text: "Summary written by the agent (unverified):", verbatim: true }] },
    { type: "section", text: { type: "plain_text", text: text || "(no summary)", emoji: false } },
  ];
}

function linkBlocks(cfg: MessageConfig, requestId: string, label: string): SlackBlock[] {
  return [
    {
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: label }, url: requestUrl(cfg, requestId), action_id: "open_request" }],
    },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: "Decisions are made in Countersign, never in Slack.", verbatim: true }],
    },
  ];
}

/** A new request waits for people: what it is, who asks, how risky, until when, and the link. */
export function pendingRequestMessage(
  request: NotifiableRequest,
  agentName: string,
  cfg: MessageConfig,
  context: MessageContext = {},
): SlackMessage {
  const production = context.tier !== "other";
  const { shown, more } = topFindings(request.findings);
  const approvals = request.requiredApprovals === 1 ? "1 approval" : `${request.requiredApprovals} approvals`;
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: `Approval needed: ${RISK_ORDER.includes(request.riskLevel) ? request.riskLevel : "unknown"} risk${production ? " in production" : ""}`, emoji: true },
    },
    ...summaryBlocks(request.summary),
    {
      type: "section",
      fields: [
        field("Agent", untrustedCode(agentName, LIMITS.agent)),
        environmentField(request.environment, context.tier),
        field("Resource", untrustedCode(request.resource, LIMITS.resource)),
        field("Risk", riskLabel(request.riskLevel)),
        field("Expires", slackDate(request.expiresAt)),
        field("Needs", approvals),
      ],
    },
  ];
  const effect = readPlannedEffect(request.plannedEffect);
  if (effect) {
    // Countersign's own measurement, but it names tables from the target database: escaped all the same.
    blocks.push(
      { type: "context", elements: [{ type: "mrkdwn", text: "Measured by Countersign, read-only (not the agent's claim):", verbatim: true }] },
      { type: "section", text: { type: "plain_text", text: untrusted(effect.summary, { max: LIMITS.plannedEffect }), emoji: false } },
    );
    const limits = effect.enforcement?.limits ?? [];
    if (limits.length) {
      const shownLimits = limits.slice(0, 3).map(describeLimit);
      if (limits.length > 3) shownLimits.push(`…and ${limits.length - 3} more limits on the request page`);
      blocks.push({ type: "context", elements: [{ type: "plain_text", text: untrusted(shownLimits.join(" "), { max: LIMITS.plannedEffect }), emoji: false }] });
    }
  }
  if (shown.length) {
    const lines = shown.map((f) => `• ${f.level.toUpperCase()}: ${untrusted(f.message, { max: LIMITS.finding })}`);
    if (more) lines.push(`…and ${more} more on the request page`);
    blocks.push({ type: "section", text: { type: "plain_text", text: `Findings\n${lines.join("\n")}`, emoji: false } });
  }
  blocks.push(...linkBlocks(cfg, request.id, "Review request"));
  const summary = untrusted(request.summary, { max: 150 }) || "(no summary)";
  return {
    text: `Approval needed (${request.riskLevel} risk, ${untrusted(request.environment, { max: 60 })}): ${summary} — agent ${untrusted(agentName, { max: 60 })}`,
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

const DECISION_HEADLINE: Record<string, string> = {
  approved: ":white_check_mark: Approved",
  denied: ":no_entry: Denied",
  expired: ":hourglass: Expired",
  cancelled: ":heavy_multiplication_x: Cancelled by the agent",
  revoked: ":leftwards_arrow_with_hook: Approval revoked",
  executed: ":heavy_check_mark: Executed (as reported by the executor)",
  failed: ":x: Failed (as reported by the executor)",
};

/** The follow-up once a request leaves `pending` (or an approved one is revoked, run or lapses). */
export function decisionMessage(
  request: NotifiableRequest,
  agentName: string,
  cfg: MessageConfig,
  context: MessageContext = {},
): SlackMessage {
  const headline = DECISION_HEADLINE[request.status] ?? `Now ${request.status.replace(/[^a-z_]/g, "")}`;
  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: headline, emoji: true } },
    ...summaryBlocks(request.summary),
    {
      type: "section",
      fields: [
        field("Agent", untrustedCode(agentName, LIMITS.agent)),
        environmentField(request.environment, context.tier),
        field("Resource", untrustedCode(request.resource, LIMITS.resource)),
        field("Risk", riskLabel(request.riskLevel)),
      ],
    },
  ];
  const notes: string[] = [];
  if (context.decidedBy) notes.push(`By ${untrusted(context.decidedBy, { max: LIMITS.decidedBy })}`);
  if (request.reason && request.status !== "cancelled") {
    notes.push(`Reason: ${untrusted(request.reason, { max: LIMITS.reason, multiline: true, maxLines: 6 })}`);
  }
  if ((request.status === "executed" || request.status === "failed") && request.outcomeDetail) {
    notes.push(`Executor's report: ${untrusted(request.outcomeDetail, { max: LIMITS.reason, multiline: true, maxLines: 6 })}`);
  }
  if (notes.length) blocks.push({ type: "section", text: { type: "plain_text", text: notes.join("\n"), emoji: false } });
  blocks.push(...linkBlocks(cfg, request.id, "View request"));
  const plainHeadline = headline.replace(/^:[a-z_]+: /, "");
  return {
    text: `${plainHeadline}: ${untrusted(request.summary, { max: 150 }) || "(no summary)"} — agent ${untrusted(agentName, { max: 60 })}`,
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** Sent from Settings to check the webhook. */
export function testMessage(cfg: MessageConfig): SlackMessage {
  return {
    text: "Countersign is connected: requests that need approval will be posted here.",
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: ":wave: *Countersign is connected.* Requests that need approval will be posted here, with a link to review them.",
        },
      },
      { type: "context", elements: [{ type: "plain_text", text: `Sent from ${untrusted(cfg.publicUrl, { max: 200 })}`, emoji: false }] },
    ],
    unfurl_links: false,
    unfurl_media: false,
  };
}
