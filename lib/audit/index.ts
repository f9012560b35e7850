// The tamper-evident audit log. Each row holds prevHash and hash = SHA-256(prevHash ‖ canonical row),
// written in the caller's transaction so a change and its audit row commit together.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { PrismaClient, RawTx } from "../db";
import { webhookEventsForAudit } from "../webhooks/events";
import { webhookQueueSql } from "../webhooks/enqueue";

export const GENESIS_HASH = "0".repeat(64);
// Appends serialise on one advisory lock (key 7321004118), taken inside countersign_audit_head()
// (see its migration), so sequence numbers have no gaps across connections and instances.
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
export async function appendAudit(tx: RawTx, input: AuditInput): Promise<{ seq: bigint; hash: string }> {
  const [appended] = await appendAuditEvents(tx, [input]);
  return appended;
}

/**
 * Writes sent in the statement that reads the chain's head, saving their own round trips: each
 * appends its values to `params` and returns one data-modifying statement (an INSERT). They run
 * before the audit rows are inserted, which see what they wrote; queued webhooks read it too.
 */
export type WritesFirst = (params: unknown[]) => string[];

/**
 * Appends events in order, in the caller's transaction: one round trip reads the chain's head
 * under the append lock (countersign_audit_head, which takes the lock first so the head it reads
 * is the newest committed), one inserts every row. The lock is held from there to COMMIT, so call
 * this as late in the transaction as the change allows. `notify` sends a NOTIFY with the insert;
 * `writesFirst` go with the read of the head.
 */
export async function appendAuditEvents(
  tx: RawTx,
  inputs: AuditInput[],
  notify?: { channel: string; payload: string },
  writesFirst?: WritesFirst,
): Promise<Array<{ seq: bigint; hash: string }>> {
  if (inputs.length === 0) {
    if (writesFirst) throw new TypeError("appendAuditEvents: writesFirst needs at least one event to go with.");
    return [];
  }
  const firstParams: unknown[] = [];
  const writes = writesFirst?.(firstParams) ?? [];
  const [head] = await tx.$queryRawUnsafe<Array<{ head_seq: bigint | null; head_hash: string | null; tx_now: Date }>>(
    `${writes.length ? `WITH ${writes.map((sql, i) => `written_${i} AS (${sql})`).join(", ")} ` : ""}SELECT head_seq, head_hash, tx_now FROM countersign_audit_head()`,
    ...firstParams,
  );
  const at = new Date(Math.floor(new Date(head.tx_now).getTime()));
  let seq = head.head_seq === null ? 0n : BigInt(head.head_seq);
  let prevHash = head.head_hash ?? GENESIS_HASH;
  const params: unknown[] = [];
  const values: string[] = [];
  const appended: Array<{ seq: bigint; hash: string }> = [];
  for (const input of inputs) {
    seq += 1n;
    const row = {
      seq,
      at,
      type: input.type,
      actorType: input.actor.type,
      actorId: input.actor.id ?? null,
      subjectType: input.subject?.type ?? null,
      subjectId: input.subject?.id ?? null,
      // Round-trip through JSON so what is hashed is exactly what the database stores.
      data: JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>,
    };
    const hash = auditHash(prevHash, row);
    const n = params.length;
    values.push(`($${n + 1}::bigint, $${n + 2}::timestamptz, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}::jsonb, $${n + 9}, $${n + 10})`);
    params.push(seq.toString(), at.toISOString(), row.type, row.actorType, row.actorId, row.subjectType, row.subjectId, JSON.stringify(row.data), prevHash, hash);
    appended.push({ seq, hash });
    prevHash = hash;
  }
  const insert = `INSERT INTO audit_events (seq, at, type, actor_type, actor_id, subject_type, subject_id, data, prev_hash, hash) VALUES ${values.join(", ")}`;
  // Changes outgoing webhooks report queue their deliveries in this same statement.
  const webhookEvents = webhookEventsForAudit(inputs);
  if (!notify && webhookEvents.length === 0) {
    await tx.$executeRawUnsafe(insert, ...params);
    return appended;
  }
  // A data-modifying WITH runs in full whatever the outer query reads: insert, queue and NOTIFY in one round trip.
  const ctes = [`appended AS (${insert})`];
  const outputs: string[] = [];
  if (notify) {
    params.push(notify.channel, notify.payload);
    outputs.push(`pg_notify($${params.length - 1}, $${params.length})::text AS notified`);
  }
  if (webhookEvents.length > 0) {
    const webhooks = webhookQueueSql(params, webhookEvents, at);
    ctes.push(`webhooks AS (${webhooks.insert})`);
    outputs.push(webhooks.wake("webhooks"));
  }
  await tx.$queryRawUnsafe(`WITH ${ctes.join(", ")} SELECT ${outputs.join(", ")}`, ...params);
  return appended;
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
