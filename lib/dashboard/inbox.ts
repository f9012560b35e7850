// The reviewers' inbox: requests still open to a reviewer first — pending, and approved ones in
// their cool-down, which any reviewer can still cancel — soonest expiry first, then everything
// else (newest first). Each row says where the signed-in reviewer stands on it. Keyset pagination over (expiresAt, id) and (createdAt, id) keeps every page as
// cheap as the first however many requests there are.
import "server-only";
import { z } from "zod";
import type { PrismaClient } from "../db";
import type { Prisma } from "../db/generated/client";
import { REQUEST_STATUSES } from "../requests/schema";
import { WAITING } from "./inbox-search";
import { RISK_LEVELS } from "../risk/levels";
import { hasRole, type Role } from "../users/roles";
import { AppError } from "../errors";
import { fieldErrors, isUuid } from "../validate";
import { loadRiskEngine } from "../risk/engine";
import { measuredSentence, operationHeadline } from "./headline";
import { BURST_GAP_SECONDS, BURST_MEMBERS_SHOWN, BURST_MIN_REQUESTS, summarizeBurst } from "./bursts";

export const INBOX_PAGE_SIZE = 50;

// A blank value is no filter (an empty select); anything else must be one the filter knows.
const optionalText = z
  .string()
  .trim()
  .max(200, "must be at most 200 characters")
  .refine((v) => !v.includes("\u0000"), "contains a NUL character")
  .optional()
  .transform((v) => v || undefined);
const blankIsNone = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const InboxFilters = z.object({
  agent: optionalText,
  environment: optionalText,
  risk: z.preprocess(blankIsNone, z.enum(RISK_LEVELS as unknown as ["low", "medium", "high", "critical"], `must be one of ${RISK_LEVELS.join(", ")}`).optional()),
  status: z.preprocess(blankIsNone, z.enum(REQUEST_STATUSES, `must be one of ${REQUEST_STATUSES.join(", ")}`).optional()),
});
export interface InboxFilters {
  agent?: string;
  environment?: string;
  risk?: "low" | "medium" | "high" | "critical";
  status?: (typeof REQUEST_STATUSES)[number];
}

/**
 * Reads filters from URL search parameters. A value no filter can mean (an unknown status or risk,
 * a NUL character) is refused with 400 naming the parameter, never silently dropped: a reviewer
 * must not read "no pending requests" off a filter that did not apply.
 */
export function parseInboxFilters(params: URLSearchParams | Record<string, string | string[] | undefined>): InboxFilters {
  const get = (key: string) => {
    const value = params instanceof URLSearchParams ? params.get(key) : params[key];
    return (Array.isArray(value) ? value[0] : value) ?? undefined;
  };
  const parsed = InboxFilters.safeParse({ agent: get("agent"), environment: get("environment"), risk: get("risk"), status: get("status") });
  if (!parsed.success) throw new AppError("bad_request", `These filters cannot be applied: ${fieldErrors(parsed.error).map((e) => `${e.field} ${e.message}`).join("; ")}.`, fieldErrors(parsed.error));
  const filters: InboxFilters = {};
  for (const [key, value] of Object.entries(parsed.data)) if (value) Object.assign(filters, { [key]: value });
  return filters;
}

/** A page cursor from the query: absent is the first page; one this server did not hand out is 400. */
export function parseCursor(value: string | null | undefined): Cursor | null {
  if (value === null || value === undefined || value === "") return null;
  const cursor = decodeCursor(value);
  if (!cursor) throw new AppError("bad_request", "The page cursor is not one this inbox handed out; start again from the first page.", [{ field: "cursor", message: "is not a valid cursor" }]);
  return cursor;
}

/** Who is looking: each row is computed for them. */
export interface InboxReviewer {
  id: string;
  role: Role;
}

export interface InboxItem {
  id: string;
  status: string;
  /** The operation in one line (lib/dashboard/headline.ts): what the row leads with. */
  headline: string;
  /** Countersign's measured sentence, when its executor measured the operation. */
  measured: string | null;
  /** The agent's own summary: shown second, labelled as the agent's. */
  summary: string;
  agentName: string;
  environment: string;
  production: boolean;
  resource: string;
  kind: string;
  riskLevel: string;
  requiredApprovals: number;
  approvals: number;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  /** When a cooling-down approval becomes a grant. */
  coolDownUntil: string | null;
  requiredRole: Role;
  /** The signed-in reviewer's own review of this request, if any. */
  myReview: "approve" | "deny" | null;
  /** The signed-in reviewer owns the agent, so may deny but never approve. */
  ownAgent: boolean;
  /** The signed-in reviewer can approve this request now. */
  canDecide: boolean;
}

/**
 * Pending requests one agent sent against one target (environment, resource and kind) in a burst:
 * each within BURST_GAP_SECONDS of the previous one, at least BURST_MIN_REQUESTS of them. They are
 * listed as this one row instead of one row each.
 */
export interface InboxGroup {
  /** The first member's id: stable while the burst grows. */
  key: string;
  agentId: string;
  agentName: string;
  environment: string;
  production: boolean;
  resource: string;
  kind: string;
  count: number;
  /** When the first and the last member arrived: together they name the burst for "Deny all". */
  firstAt: string;
  lastAt: string;
  /** The soonest expiry among the members. */
  expiresAt: string;
  /** The highest risk among all members. */
  riskLevel: string;
  /** The operation template the members share (literals as placeholders), or null when they differ. */
  template: string | null;
  templates: number;
  /** What the measured members do together, as a sentence. */
  effect: string | null;
  /** The first BURST_MEMBERS_SHOWN members, oldest first; `template`, `templates` and `effect` are theirs. */
  members: InboxItem[];
  /** The signed-in reviewer has the approver role: "Deny all" is theirs to use. */
  canDenyAll: boolean;
}

export interface InboxPage {
  items: InboxItem[];
  /** Bursts of pending requests, soonest expiry first; on the first page only. */
  groups: InboxGroup[];
  nextCursor: string | null;
  /** Requests per status under the current filters (ignoring the status filter). */
  counts: Record<string, number>;
  now: string;
}

interface Cursor {
  section: "pending" | "rest";
  at: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.section === "pending" ? "p" : "r", cursor.at, cursor.id])).toString("base64url");
}

export function decodeCursor(value: string | null | undefined): Cursor | null {
  if (!value || value.length > 300) return null;
  try {
    const [s, at, id] = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown[];
    if ((s !== "p" && s !== "r") || typeof at !== "string" || typeof id !== "string") return null;
    if (Number.isNaN(Date.parse(at)) || !isUuid(id)) return null;
    return { section: s === "p" ? "pending" : "rest", at, id };
  } catch {
    return null;
  }
}

function baseWhere(filters: InboxFilters): Prisma.RequestWhereInput {
  const where: Prisma.RequestWhereInput = {};
  if (filters.agent) where.agent = { name: filters.agent };
  if (filters.environment) where.environment = filters.environment;
  if (filters.risk) where.riskLevel = filters.risk;
  return where;
}

// Only what a row shows: never the operation, context, diff or findings (large JSON), and no
// per-row review aggregates — reviews are read for the page's rows alone, below.
const SELECT = {
  id: true,
  status: true,
  summary: true,
  environment: true,
  resource: true,
  kind: true,
  riskLevel: true,
  requiredApprovals: true,
  createdAt: true,
  expiresAt: true,
  decidedAt: true,
  coolDownUntil: true,
  requiredRole: true,
  agent: { select: { name: true, ownerId: true } },
} satisfies Prisma.RequestSelect;

type Row = Prisma.RequestGetPayload<{ select: typeof SELECT }>;
type Status = NonNullable<InboxFilters["status"]>;
const WAITING_STATUSES = [...WAITING] as Status[];

/**
 * One waiting status's requests after the cursor, soonest expiry first. One query per status, so
 * each walks the (status, expires_at, id) index in order and stops after `take` rows: with
 * `status IN (…)` PostgreSQL would read and sort every waiting request to find the first page.
 */
function waitingAfter(prisma: PrismaClient, where: Prisma.RequestWhereInput, status: Status, after: Cursor | null, take: number, bursts: BurstRow[]) {
  const at = after ? new Date(after.at) : null;
  // A burst's members are listed in its group row: each burst is one agent's pending requests on one
  // target within a time span, so "not in that span" excludes exactly them.
  const notInBursts: Prisma.RequestWhereInput =
    status === "pending" && bursts.length
      ? { NOT: { OR: bursts.map((b) => ({ agentId: b.agent_id, environment: b.environment, resource: b.resource, kind: b.kind, createdAt: { gte: b.first_at, lte: b.last_at } })) } }
      : {};
  return prisma.request.findMany({
    where: { ...where, ...notInBursts, status, ...(at && after ? { expiresAt: { gte: at }, OR: [{ expiresAt: { gt: at } }, { id: { gt: after.id } }] } : {}) },
    orderBy: [{ expiresAt: "asc" }, { id: "asc" }],
    take,
    select: SELECT,
  });
}

interface BurstRow {
  agent_id: string;
  environment: string;
  resource: string;
  kind: string;
  count: number;
  first_at: Date;
  last_at: Date;
  expires_at: Date;
  risk_level: string;
  member_ids: string[];
}

/**
 * The bursts among pending requests under the filters, in one query: per agent and target, in
 * order of arrival, a request more than BURST_GAP_SECONDS after the previous one starts a new
 * burst; bursts of BURST_MIN_REQUESTS or more are groups. One pass over the pending requests
 * (the (status, …) indexes), whatever their number.
 */
async function findBursts(prisma: PrismaClient, filters: InboxFilters): Promise<BurstRow[]> {
  const params: unknown[] = [BURST_GAP_SECONDS, BURST_MIN_REQUESTS, BURST_MEMBERS_SHOWN];
  const conditions = [`r.status = 'pending'`];
  if (filters.agent) {
    params.push(filters.agent);
    conditions.push(`r.agent_id IN (SELECT id FROM agents WHERE name = $${params.length})`);
  }
  if (filters.environment) {
    params.push(filters.environment);
    conditions.push(`r.environment = $${params.length}`);
  }
  if (filters.risk) {
    params.push(filters.risk);
    conditions.push(`r.risk_level = $${params.length}::"RiskLevel"`);
  }
  const rows = await prisma.$queryRawUnsafe<Array<Omit<BurstRow, "member_ids"> & { member_ids: string }>>(
    `WITH arrivals AS (
       SELECT r.id, r.agent_id, r.environment, r.resource, r.kind, r.created_at, r.expires_at, r.risk_level,
              r.created_at - lag(r.created_at) OVER arrival <= make_interval(secs => $1) AS joins_previous,
              lead(r.created_at) OVER arrival - r.created_at <= make_interval(secs => $1) AS joined_by_next
       FROM requests r
       WHERE ${conditions.join(" AND ")}
       WINDOW arrival AS (PARTITION BY r.agent_id, r.environment, r.resource, r.kind ORDER BY r.created_at, r.id)
     ), numbered AS (
       -- A request close to neither neighbour is in no burst: left out before the costlier steps.
       SELECT *, sum(CASE WHEN joins_previous THEN 0 ELSE 1 END) OVER (PARTITION BY agent_id, environment, resource, kind ORDER BY created_at, id) AS burst
       FROM arrivals WHERE joins_previous OR joined_by_next
     )
     SELECT agent_id::text AS agent_id, environment, resource, kind, count(*)::int AS count,
            min(created_at) AS first_at, max(created_at) AS last_at, min(expires_at) AS expires_at, max(risk_level)::text AS risk_level,
            array_to_string((array_agg(id::text ORDER BY created_at, id))[1:$3], ',') AS member_ids
     FROM numbered
     GROUP BY agent_id, environment, resource, kind, burst
     HAVING count(*) >= $2
     ORDER BY min(expires_at), min(created_at)`,
    ...params,
  );
  return rows.map((row) => ({ ...row, member_ids: row.member_ids ? row.member_ids.split(",") : [] }));
}

const byExpiry = (a: Row, b: Row) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function listInbox(
  prisma: PrismaClient,
  filters: InboxFilters,
  options: { cursor?: string | null; limit?: number; reviewer?: InboxReviewer } = {},
): Promise<InboxPage> {
  const reviewer = options.reviewer;
  const limit = Math.min(Math.max(options.limit ?? INBOX_PAGE_SIZE, 1), 200);
  const cursor = parseCursor(options.cursor);
  const where = baseWhere(filters);
  const wantPending = !filters.status || filters.status === "pending";
  const wantRest = filters.status !== "pending";
  const rows: Array<{ row: Row; section: Cursor["section"] }> = [];
  const inPendingSection = wantPending && (!cursor || cursor.section === "pending");
  const bursts = inPendingSection ? await findBursts(prisma, filters) : [];

  if (inPendingSection) {
    const after = cursor?.section === "pending" ? cursor : null;
    const statuses = filters.status === "pending" ? (["pending"] as Status[]) : WAITING_STATUSES;
    const sections = await Promise.all(statuses.map((status) => waitingAfter(prisma, where, status, after, limit + 1, bursts)));
    for (const row of sections.flat().sort(byExpiry).slice(0, limit + 1)) rows.push({ row, section: "pending" });
  }
  if (wantRest && rows.length <= limit) {
    const after = cursor?.section === "rest" ? cursor : null;
    const at = after ? new Date(after.at) : null;
    const rest = await prisma.request.findMany({
      where: {
        ...where,
        status: filters.status ? filters.status : { notIn: WAITING_STATUSES },
        ...(at && after ? { createdAt: { lte: at }, OR: [{ createdAt: { lt: at } }, { id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1 - rows.length,
      select: SELECT,
    });
    for (const row of rest) rows.push({ row, section: "rest" });
  }

  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({
          section: last.section,
          at: (last.section === "pending" ? last.row.expiresAt : last.row.createdAt).toISOString(),
          id: last.row.id,
        })
      : null;

  // Groups go with the first page; later pages only leave their members out.
  const groups = cursor ? [] : bursts;
  const memberIds = groups.flatMap((g) => g.member_ids);
  const ids = page.map(({ row }) => row.id);
  const [reviews, grouped, environments, extras, members] = await Promise.all([
    // The page's reviews only (the (request_id, reviewer_id) index): approvals so far, and the reviewer's own.
    ids.length + memberIds.length
      ? prisma.review.findMany({ where: { requestId: { in: [...ids, ...memberIds] } }, select: { requestId: true, reviewerId: true, decision: true } })
      : [],
    prisma.request.groupBy({ by: ["status"], where, _count: { _all: true } }),
    prisma.environment.findMany({ select: { name: true, tier: true } }),
    // The operation and the measurement, for the page's rows alone: each row leads with them.
    ids.length ? prisma.request.findMany({ where: { id: { in: ids } }, select: { id: true, operation: true, plannedEffect: true } }) : [],
    memberIds.length ? prisma.request.findMany({ where: { id: { in: memberIds } }, select: { ...SELECT, operation: true, plannedEffect: true } }) : [],
  ]);
  if (groups.length) await loadRiskEngine();
  const approvals = new Map<string, number>();
  const mine = new Map<string, string>();
  for (const review of reviews) {
    if (review.decision === "approve") approvals.set(review.requestId, (approvals.get(review.requestId) ?? 0) + 1);
    if (reviewer && review.reviewerId === reviewer.id) mine.set(review.requestId, review.decision);
  }
  const tiers = new Map(environments.map((e) => [e.name, e.tier]));
  // An environment that is not defined counts as production (fail closed).
  const production = (environment: string) => (tiers.get(environment) ?? "production") === "production";
  const counts: Record<string, number> = {};
  for (const g of grouped) counts[g.status] = g._count._all;
  const now = new Date();
  const extra = new Map<string, { operation: unknown; plannedEffect: unknown }>(extras.map((e) => [e.id, e]));
  const item = (row: Row, details: { operation: unknown; plannedEffect: unknown } | undefined): InboxItem => ({
    id: row.id,
    status: row.status,
    headline: operationHeadline(details?.operation),
    measured: measuredSentence(details?.plannedEffect),
    summary: row.summary,
    agentName: row.agent.name,
    environment: row.environment,
    production: production(row.environment),
    resource: row.resource,
    kind: row.kind,
    riskLevel: row.riskLevel,
    requiredApprovals: row.requiredApprovals,
    approvals: approvals.get(row.id) ?? 0,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    coolDownUntil: row.coolDownUntil?.toISOString() ?? null,
    requiredRole: row.requiredRole as Role,
    ...standing(row, mine.get(row.id), reviewer, now),
  });
  const memberById = new Map(members.map((m) => [m.id, m]));

  return {
    items: page.map(({ row }) => item(row, extra.get(row.id))),
    groups: groups.map((burst) => {
      const shown = burst.member_ids.map((id) => memberById.get(id)).filter((m) => m !== undefined);
      const summary = summarizeBurst(shown);
      return {
        key: burst.member_ids[0] ?? `${burst.agent_id}:${burst.resource}`,
        agentId: burst.agent_id,
        agentName: shown[0]?.agent.name ?? "",
        environment: burst.environment,
        production: production(burst.environment),
        resource: burst.resource,
        kind: burst.kind,
        count: burst.count,
        firstAt: new Date(burst.first_at).toISOString(),
        lastAt: new Date(burst.last_at).toISOString(),
        expiresAt: new Date(burst.expires_at).toISOString(),
        riskLevel: burst.risk_level,
        template: summary.template,
        templates: summary.templates,
        effect: summary.effect,
        members: shown.map((m) => item(m, m)),
        canDenyAll: Boolean(reviewer && hasRole(reviewer.role, "approver")),
      };
    }),
    nextCursor,
    counts,
    now: now.toISOString(),
  };
}

/** Where `reviewer` stands on a request: their review, their agent, whether they can approve now. */
function standing(row: Row, mine: string | undefined, reviewer: InboxReviewer | undefined, now: Date): Pick<InboxItem, "myReview" | "ownAgent" | "canDecide"> {
  if (!reviewer) return { myReview: null, ownAgent: false, canDecide: false };
  const myReview = mine === "approve" || mine === "deny" ? mine : null;
  const ownAgent = row.agent.ownerId === reviewer.id;
  const canDecide = row.status === "pending" && row.expiresAt > now && !myReview && !ownAgent && hasRole(reviewer.role, row.requiredRole as Role);
  return { myReview, ownAgent, canDecide };
}

/** Agents and environments to offer as filters. */
export async function inboxFilterOptions(prisma: PrismaClient) {
  const [agents, environments] = await Promise.all([
    prisma.agent.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
    prisma.environment.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  return { agents: agents.map((a) => a.name), environments: environments.map((e) => e.name) };
}
