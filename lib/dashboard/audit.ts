// The audit log for people: search by event type, actor and subject, newest first with keyset
// pagination on the sequence number, and export (JSON lines or CSV) in chain order.
import "server-only";
import { isUuid } from "../validate";
import type { PrismaClient } from "../db";
import type { Prisma } from "../db/generated/client";
import { AppError } from "../errors";

export const AUDIT_PAGE_SIZE = 50;
const EXPORT_BATCH = 1000;
const ACTOR_TYPES = ["agent", "user", "system", "policy", "cli", "anonymous"];

export interface AuditFilters {
  type?: string;
  actor?: string;
  subject?: string;
}

/** Reads the search from URL parameters; a NUL character cannot be searched for and is refused with 400. */
export function parseAuditFilters(params: URLSearchParams | Record<string, string | string[] | undefined>): AuditFilters {
  const get = (key: string) => {
    const raw = params instanceof URLSearchParams ? params.get(key) : params[key];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (typeof value === "string" && value.includes("\u0000")) {
      throw new AppError("bad_request", `The ${key} filter contains a NUL character, which no audit event can match.`, [{ field: key, message: "contains a NUL character" }]);
    }
    return typeof value === "string" && value.trim() ? value.trim().slice(0, 200) : undefined;
  };
  return { type: get("type"), actor: get("actor"), subject: get("subject") };
}

/** The `before` page marker: a sequence number, or 400. */
export function parseAuditBefore(value: string | string[] | null | undefined): string | null {
  const before = Array.isArray(value) ? value[0] : value;
  if (before === null || before === undefined || before === "") return null;
  if (!/^\d{1,19}$/.test(before) || BigInt(before) > 9223372036854775807n) {
    throw new AppError("bad_request", "before must be an audit sequence number (a whole number).", [{ field: "before", message: "must be a whole number" }]);
  }
  return before;
}

export function auditSearch(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of ["type", "actor", "subject"] as const) if (filters[key]) params.set(key, filters[key]!);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return params.toString();
}

/** Resolves a person's words (an email, an agent name, an id, an actor type) into ids to match. */
async function resolveIds(prisma: PrismaClient, value: string): Promise<string[]> {
  if (isUuid(value)) return [value];
  const ids = [value];
  if (value.includes("@")) {
    const user = await prisma.user.findUnique({ where: { email: value.toLowerCase() }, select: { id: true } });
    if (user) ids.push(user.id);
  } else {
    const agent = await prisma.agent.findUnique({ where: { name: value }, select: { id: true } });
    if (agent) ids.push(agent.id);
  }
  return ids;
}

export async function auditWhere(prisma: PrismaClient, filters: AuditFilters): Promise<Prisma.AuditEventWhereInput> {
  const and: Prisma.AuditEventWhereInput[] = [];
  if (filters.type) and.push({ type: { startsWith: filters.type } });
  if (filters.actor) {
    const ids = await resolveIds(prisma, filters.actor);
    const or: Prisma.AuditEventWhereInput[] = [{ actorId: { in: ids } }];
    if (ACTOR_TYPES.includes(filters.actor)) or.push({ actorType: filters.actor });
    and.push({ OR: or });
  }
  if (filters.subject) {
    const [maybeType, ...rest] = filters.subject.split(":");
    if (rest.length > 0 && maybeType && !isUuid(filters.subject)) {
      const ids = await resolveIds(prisma, rest.join(":"));
      and.push({ subjectType: maybeType, subjectId: { in: ids } });
    } else {
      const ids = await resolveIds(prisma, filters.subject);
      and.push({ OR: [{ subjectId: { in: ids } }, { subjectType: filters.subject }] });
    }
  }
  return and.length ? { AND: and } : {};
}

export interface AuditEntry {
  seq: string;
  at: string;
  type: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  subjectType: string | null;
  subjectId: string | null;
  subjectName: string | null;
  data: unknown;
  hash: string;
}

export async function listAudit(prisma: PrismaClient, filters: AuditFilters, options: { before?: string | null; limit?: number } = {}) {
  const limit = Math.min(Math.max(options.limit ?? AUDIT_PAGE_SIZE, 1), 200);
  const before = options.before && /^\d{1,19}$/.test(options.before) ? BigInt(options.before) : null;
  const where = await auditWhere(prisma, filters);
  const rows = await prisma.auditEvent.findMany({
    where: before ? { AND: [where, { seq: { lt: before } }] } : where,
    orderBy: { seq: "desc" },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const names = await nameLookup(prisma, page);
  return {
    entries: page.map<AuditEntry>((r) => ({
      seq: r.seq.toString(),
      at: r.at.toISOString(),
      type: r.type,
      actorType: r.actorType,
      actorId: r.actorId,
      actorName: r.actorId ? (names.get(r.actorId) ?? null) : null,
      subjectType: r.subjectType,
      subjectId: r.subjectId,
      subjectName: r.subjectId ? (names.get(r.subjectId) ?? null) : null,
      data: r.data,
      hash: r.hash,
    })),
    nextBefore: rows.length > limit ? page[page.length - 1].seq.toString() : null,
  };
}

/** Display names for the users and agents a page of events mentions. */
async function nameLookup(prisma: PrismaClient, rows: Array<{ actorId: string | null; subjectId: string | null }>): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => [r.actorId, r.subjectId]).filter((id): id is string => Boolean(id && isUuid(id))))];
  if (ids.length === 0) return new Map();
  const [users, agents] = await Promise.all([
    prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } }),
    prisma.agent.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  ]);
  return new Map<string, string>([...users.map((u) => [u.id, u.email] as const), ...agents.map((a) => [a.id, a.name] as const)]);
}

export interface ExportRow {
  seq: string;
  at: string;
  type: string;
  actorType: string;
  actorId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  data: unknown;
  prevHash: string;
  hash: string;
}

/** Every matching event in chain order, in batches (memory stays flat however long the log). */
export async function* exportAudit(prisma: PrismaClient, filters: AuditFilters): AsyncGenerator<ExportRow[]> {
  const where = await auditWhere(prisma, filters);
  let after = 0n;
  for (;;) {
    const rows = await prisma.auditEvent.findMany({ where: { AND: [where, { seq: { gt: after } }] }, orderBy: { seq: "asc" }, take: EXPORT_BATCH });
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      seq: r.seq.toString(),
      at: r.at.toISOString(),
      type: r.type,
      actorType: r.actorType,
      actorId: r.actorId,
      subjectType: r.subjectType,
      subjectId: r.subjectId,
      data: r.data,
      prevHash: r.prevHash,
      hash: r.hash,
    }));
    if (rows.length < EXPORT_BATCH) return;
    after = rows[rows.length - 1].seq;
  }
}

export const CSV_COLUMNS = ["seq", "at", "type", "actorType", "actorId", "subjectType", "subjectId", "data", "prevHash", "hash"] as const;

/**
 * One CSV field (RFC 4180 quoting). Cells that a spreadsheet would run as a formula (leading
 * =, +, -, @, tab or carriage return) are prefixed with an apostrophe: agent text reaches this log.
 */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(row: ExportRow): string {
  return CSV_COLUMNS.map((c) => csvField(row[c])).join(",") + "\r\n";
}
