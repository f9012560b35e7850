// Slack messages (Block Kit, for the incoming webhook and the bot alike). Pure functions of their input.
// Everything the agent wrote or named goes through `untrusted`/`untrustedCode`; Slack only ever
// links to the request page — it carries no authority to approve.
import type { Config } from "../env";
import { untrusted, untrustedCode } from "./escape";
import { readPlannedEffect } from "../requests/planned-effect";
import { describeLimit } from "../policy/measurement";
import { operationHeadline } from "../dashboard/operation-headline";

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
  /** The operation as stored: the card leads with its first line. */
  kind?: string;
  operation?: unknown;
  coolDownUntil?: Date | null;
}

export interface MessageContext {
  /** The environment's tier; production is marked. Unknown environments count as production. */
  tier?: "production" | "other";
  /** Who decided (for decisions by people): a reviewer's name or email. */
  decidedBy?: string | null;
  /** The reviewers who have approved so far, in order (names or emails). */
  approvedBy?: string[];
}

type MessageConfig = Pick<Config, "publicUrl">;

const LIMITS = { operation: 300, plannedEffect: 600, summary: 500, agent: 100, environment: 100, resource: 200, finding: 240, reason: 500, decidedBy: 120 };
const TOP_FINDINGS = 3;
const RISK_ORDER = ["critical", "high", "medium", "low"];
const RISK_EMOJI: Record<string, string> = { critical: ":red_circle:", high: ":large_orange_circle:", medium: ":large_yellow_circle:", low: ":white_circle:" };
/** Statuses after which nothing is left for a reviewer to do: the card invites no click. */
const CLOSED = new Set(["approved", "denied", "expired", "cancelled", "revoked", "executed", "failed"]);

export function requestUrl(cfg: MessageConfig, requestId: string): string {
  return `${cfg.publicUrl}/requests/${encodeURIComponent(requestId)}`;
}

function riskName(level: string): string {
  return RISK_ORDER.includes(level) ? level : "unknown";
}

function riskLabel(level: string): string {
  const known = riskName(level);
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

/**
 * What Countersign knows comes first: the operation's first line (the signed artifact, as code),
 * Countersign's own measurement, one environment and risk line; the agent's words come after,
 * labelled as theirs and kept out of mrkdwn.
 */
function leadBlocks(request: NotifiableRequest, tier: MessageContext["tier"]): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  if (request.kind && request.operation !== undefined) {
    const headline = operationHeadline(request.kind, request.operation);
    blocks.push({ type: "section", text: { type: "mrkdwn", text: untrustedCode(headline, LIMITS.operation), verbatim: true } });
  }
  const effect = readPlannedEffect(request.plannedEffect);
  if (effect) {
    // Countersign's own measurement, but it names tables from the target database: escaped all the same.
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Measured:* ${untrusted(effect.summary, { max: LIMITS.plannedEffect })}`, verbatim: true } });
  }
  const production = tier === "other" ? "" : " :rotating_light: *PRODUCTION*";
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `Environment ${untrustedCode(request.environment, LIMITS.environment)}${production}  ·  Risk ${riskLabel(request.riskLevel)}`, verbatim: true }],
  });
  const summary = untrusted(request.summary, { max: LIMITS.summary, multiline: true, maxLines: 6 });
  blocks.push({
    type: "context",
    elements: [
      { type: "mrkdwn", text: "*Agent says (unverified):*", verbatim: true },
      { type: "plain_text", text: summary || "(no summary)", emoji: false },
    ],
  });
  return blocks;
}

function approvalCount(n: number): string {
  return n === 1 ? "1 approval" : `${n} approvals`;
}

/** "1 of 2 approvals — Alice", or null before the first. */
export function approvalProgress(request: Pick<NotifiableRequest, "requiredApprovals">, approvedBy: string[] | undefined): string | null {
  if (!approvedBy?.length) return null;
  const names = approvedBy.map((n) => untrusted(n, { max: LIMITS.decidedBy })).join(", ");
  return `${approvedBy.length} of ${approvalCount(request.requiredApprovals)} — ${names}`;
}

function buttonBlocks(cfg: MessageConfig, requestId: string, label: string): SlackBlock[] {
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

/** A closed request's card: a plain link to the record, no button that invites a review. */
function closedLinkBlocks(cfg: MessageConfig, requestId: string): SlackBlock[] {
  return [
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: `Closed: nothing to review. The record stays in Countersign: <${requestUrl(cfg, requestId)}|request ${requestId.slice(0, 8)}>`, verbatim: true }],
    },
  ];
}

const DECISION_HEADLINE: Record<string, string> = {
  approved: ":white_check_mark: Approved",
  denied: ":no_entry: Denied",
  expired: ":hourglass: Expired",
  cancelled: ":heavy_multiplication_x: Cancelled by the agent",
  revoked: ":leftwards_arrow_with_hook: Approval revoked",
  executed: ":heavy_check_mark: Executed (as reported by the executor)",
  failed: ":x: Failed (as reported by the executor)",
  cooling_down: ":hourglass_flowing_sand: Approved, cooling down",
};

function headlineOf(request: NotifiableRequest, production: boolean): string {
  if (request.status === "pending") return `Approval needed: ${riskName(request.riskLevel)} risk${production ? " in production" : ""}`;
  return DECISION_HEADLINE[request.status] ?? `Now ${request.status.replace(/[^a-z_]/g, "")}`;
}

/**
 * The request as a Slack card, in whatever state it is: waiting (with the approvals so far and a
 * "Review request" button), cooling down, or closed — saying what happened and by whom, with no
 * call to action. The incoming webhook posts it; the bot posts it once and updates it in place.
 */
export function requestCard(request: NotifiableRequest, agentName: string, cfg: MessageConfig, context: MessageContext = {}): SlackMessage {
  const production = context.tier !== "other";
  const pending = request.status === "pending";
  const headline = headlineOf(request, production);
  const blocks: SlackBlock[] = [{ type: "header", text: { type: "plain_text", text: headline, emoji: true } }, ...leadBlocks(request, context.tier)];
  const fields = [field("Agent", untrustedCode(agentName, LIMITS.agent)), field("Resource", untrustedCode(request.resource, LIMITS.resource))];
  if (pending) fields.push(field("Expires", slackDate(request.expiresAt)), field("Needs", approvalCount(request.requiredApprovals)));
  blocks.push({ type: "section", fields });

  const notes: string[] = [];
  const progress = approvalProgress(request, context.approvedBy);
  if (progress) notes.push(pending ? `Approved so far: ${progress}` : `Approvals: ${progress}`);
  if (request.status === "cooling_down" && request.coolDownUntil) notes.push(`The grant is issued at ${request.coolDownUntil.toISOString()} unless a reviewer cancels it first.`);
  if (!pending && context.decidedBy) notes.push(`By ${untrusted(context.decidedBy, { max: LIMITS.decidedBy })}`);
  if (request.reason && request.status !== "cancelled") {
    notes.push(`Reason: ${untrusted(request.reason, { max: LIMITS.reason, multiline: true, maxLines: 6 })}`);
  }
  if ((request.status === "executed" || request.status === "failed") && request.outcomeDetail) {
    notes.push(`Executor's report: ${untrusted(request.outcomeDetail, { max: LIMITS.reason, multiline: true, maxLines: 6 })}`);
  }
  if (notes.length) blocks.push({ type: "section", text: { type: "plain_text", text: notes.join("\n"), emoji: false } });

  if (pending) {
    const effect = readPlannedEffect(request.plannedEffect);
    const limits = effect?.enforcement?.limits ?? [];
    if (limits.length) {
      const shownLimits = limits.slice(0, 3).map(describeLimit);
      if (limits.length > 3) shownLimits.push(`…and ${limits.length - 3} more limits on the request page`);
      blocks.push({ type: "context", elements: [{ type: "plain_text", text: untrusted(shownLimits.join(" "), { max: LIMITS.plannedEffect }), emoji: false }] });
    }
    const { shown, more } = topFindings(request.findings);
    if (shown.length) {
      const lines = shown.map((f) => `• ${f.level.toUpperCase()}: ${untrusted(f.message, { max: LIMITS.finding })}`);
      if (more) lines.push(`…and ${more} more on the request page`);
      blocks.push({ type: "section", text: { type: "plain_text", text: `Findings\n${lines.join("\n")}`, emoji: false } });
    }
  }
  if (CLOSED.has(request.status)) blocks.push(...closedLinkBlocks(cfg, request.id));
  else blocks.push(...buttonBlocks(cfg, request.id, pending ? "Review request" : "View request"));

  const plainHeadline = headline.replace(/^:[a-z_]+: /, "");
  const operation = request.kind && request.operation !== undefined ? ` ${untrusted(operationHeadline(request.kind, request.operation), { max: 100 })} —` : "";
  return {
    text: `${plainHeadline}:${operation} ${untrusted(request.summary, { max: 150 }) || "(no summary)"} — agent ${untrusted(agentName, { max: 60 })} (${untrusted(request.environment, { max: 60 })})`,
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** A new request waits for people: what it is, who asks, how risky, until when, and the link. */
export function pendingRequestMessage(request: NotifiableRequest, agentName: string, cfg: MessageConfig, context: MessageContext = {}): SlackMessage {
  return requestCard({ ...request, status: "pending" }, agentName, cfg, context);
}

/** The follow-up once a request leaves `pending` (or an approved one is revoked, run or lapses). */
export function decisionMessage(request: NotifiableRequest, agentName: string, cfg: MessageConfig, context: MessageContext = {}): SlackMessage {
  return requestCard(request, agentName, cfg, context);
}

/** A reply in the card's thread when an approval arrives that is not yet the last one needed. */
export function approvalReply(request: NotifiableRequest, approvedBy: string[]): SlackMessage {
  const progress = approvalProgress(request, approvedBy) ?? `0 of ${approvalCount(request.requiredApprovals)}`;
  const text = `:ballot_box_with_check: Approved ${progress}. Still waiting for ${approvalCount(Math.max(0, request.requiredApprovals - approvedBy.length))}.`;
  return { text, blocks: [{ type: "section", text: { type: "plain_text", text, emoji: true } }], unfurl_links: false, unfurl_media: false };
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
