// The tamper-evident audit log. Each row holds prevHash and hash = SHA-256(prevHash ‖ canonical row),
// written in the caller's transaction so a change and its audit row commit together.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { PrismaClient, Tx } from "../db";

export const GENESIS_HASH = "0".repeat(64);
// Serialises appends across connections and instances, so sequence numbers have no gaps.
const AUDIT_LOCK_KEY = 7_321_004_118;
const VERIFY_BATCH = 1000;

export type ActorType = "agent" | "user" | "system" | "policy" | "cli" | "anonymous";

export interface AuditInput {
  /** Stable dotted event name, e.g. `request.created`, `grant.redeemed`. */
  type: string;
  actor: { type: ActorType; id?: string | null };
  subject?: { type: string; id: string };
  data?: Record<string, unknown>;
}

export interface AuditRow {
  seq: bigint;
  at: Date;
  type: string;
  actorType: string;
  actorId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  data: unknown;
  prevHash: string;
  hash: string;
}

/** The canonical form hashed for a row: every column but the hashes. */
function canonicalRow(row: Omit<AuditRow, "prevHash" | "hash">): string {
  return canonicalize({
    seq: row.seq.toString(),
    at: row.at.toISOString(),
    type: row.type,
    actorType: row.actorType,
    actorId: row.actorId,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    data: row.data,
  })!;
}

export function auditHash(prevHash: string, row: Omit<AuditRow, "prevHash" | "hash">): string {
  return createHash("sha256").update(prevHash).update(canonicalRow(row)).digest("hex");
}

/** Appends one event. Call inside the transaction that makes the change it records. */
export async function appendAudit(tx: Tx, input: AuditInput): Promise<{ seq: bigint; hash: string }> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
  const [clock] = await tx.$queryRawUnsafe<Array<{ now: Date }>>(`SELECT now() AS now`);
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  const row = {
    seq: (last?.seq ?? 0n) + 1n,
    at: new Date(Math.floor(new Date(clock.now).getTime())),
    type: input.type,
    actorType: input.actor.type,
    actorId: input.actor.id ?? null,
    subjectType: input.subject?.type ?? null,
    subjectId: input.subject?.id ?? null,
    // Round-trip through JSON so what is hashed is exactly what the database stores.
    data: JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>,
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const hash = auditHash(prevHash, row);
  await tx.auditEvent.create({ data: { ...row, data: row.data as object, prevHash, hash } });
  return { seq: row.seq, hash };
}

/** Appends one event in its own transaction (events with no other change: refusals, sign-ins). */
export async function recordAudit(prisma: PrismaClient, input: AuditInput): Promise<void> {
  await prisma.$transaction((tx) => appendAudit(tx, input));
}

export type ChainStatus =
  | { ok: true; count: number; lastSeq: bigint | null; headHash: string }
  | { ok: false; count: number; brokenAt: bigint; reason: string };

/** A prefix of the chain already verified: its last row's sequence number and hash, and its length. */
export interface VerifiedHead {
  seq: bigint;
  hash: string;
  count: number;
}

/**
 * Walks the chain and names the first broken sequence number: from its first row, or only the
 * rows after `from`, a head verified before.
 */
export async function verifyAuditChain(prisma: PrismaClient, from?: VerifiedHead): Promise<ChainStatus> {
  let expectedSeq = from ? from.seq + 1n : 1n;
  let prevHash = from ? from.hash : GENESIS_HASH;
  let count = from ? from.count : 0;
  for (;;) {
    const rows = await prisma.auditEvent.findMany({
      where: { seq: { gte: expectedSeq } },
      orderBy: { seq: "asc" },
      take: VERIFY_BATCH,
    });
    for (const row of rows) {
      if (row.seq !== expectedSeq) {
        return { ok: false, count, brokenAt: expectedSeq, reason: `row ${expectedSeq} is missing` };
      }
      if (row.prevHash !== prevHash) {
        return { ok: false, count, brokenAt: row.seq, reason: `row ${row.seq} does not link to the row before it` };
      }
      if (auditHash(prevHash, row) !== row.hash) {
        return { ok: false, count, brokenAt: row.seq, reason: `row ${row.seq} was altered after it was written` };
      }
      prevHash = row.hash;
      expectedSeq = row.seq + 1n;
      count++;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  return { ok: true, count, lastSeq: count ? expectedSeq - 1n : null, headHash: prevHash };
}
