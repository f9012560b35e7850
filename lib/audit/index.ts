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

type RowWithoutPlace = Omit<AuditRow, "seq" | "at" | "prevHash" | "hash">;

/**
 * canonicalRow's text around the two values only the database knows when it appends, the row's
 * sequence number and time: text = beforeAt ‖ at ‖ beforeSeq ‖ seq ‖ afterSeq. RFC 8785 orders
 * the keys by their UTF-16 code units, which puts them as written here (actorId, actorType, at,
 * data, seq, subjectId, subjectType, type); a test holds the pieces to canonicalRow.
 */
export function canonicalRowPieces(row: RowWithoutPlace): { beforeAt: string; beforeSeq: string; afterSeq: string } {
  const json = (value: unknown) => canonicalize(value)!;
  return {
    beforeAt: `{"actorId":${json(row.actorId)},"actorType":${json(row.actorType)},"at":"`,
    beforeSeq: `","data":${json(row.data)},"seq":"`,
    afterSeq: `","subjectId":${json(row.subjectId)},"subjectType":${json(row.subjectType)},"type":${json(row.type)}}`,
  };
}

/** Appends one event. Call inside the transaction that makes the change it records. */
export async function appendAudit(tx: RawTx, input: AuditInput): Promise<{ seq: bigint; hash: string }> {
  const [appended] = await appendAuditEvents(tx, [input]);
  return appended;
}

/**
 * Writes sent in the statement that appends the audit rows, saving their own round trips: each
 * appends its values to `params` and returns one data-modifying statement for a WITH. They run in
 * that statement's snapshot: neither the audit rows nor one another see what they write. One that
 * writes request rows says so (`requests`, its statement ending in RETURNING *), so the webhooks
 * queued with it report the rows as written.
 */
export type WritesFirst = (params: unknown[]) => Array<string | { requests: string }>;

/** The audit row's time as canonicalRow writes it: UTC, to the millisecond, as Date.toISOString. */
const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * Appends events in order, in one statement: it takes the chain's lock and reads its head
 * (countersign_audit_head, which takes the lock first so the head it reads is the newest
 * committed), then links and inserts every row, each hash computed by the database as SHA-256 of
 * the previous hash and the row's canonical text, whose pieces around the sequence number and
 * time are written here (canonicalRowPieces). Inside a transaction the lock is held to COMMIT, so
 * call this as late in it as the change allows; on its own (a bare RawSql) the statement is its
 * own transaction and holds the lock for that statement only. `notify` sends a NOTIFY with the
 * rows; `writesFirst` go in the same statement.
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
  const params: unknown[] = [];
  const $ = (value: unknown) => `$${params.push(value)}`;
  const ctes: string[] = [];
  const requestsWritten: string[] = [];
  for (const write of writesFirst?.(params) ?? []) {
    const name = `written_${ctes.length}`;
    ctes.push(`${name} AS (${typeof write === "string" ? write : write.requests})`);
    if (typeof write !== "string") requestsWritten.push(name);
  }
  const events = inputs.map((input, i) => {
    const row: RowWithoutPlace = {
      type: input.type,
      actorType: input.actor.type,
      actorId: input.actor.id ?? null,
      subjectType: input.subject?.type ?? null,
      subjectId: input.subject?.id ?? null,
      // Round-trip through JSON so what is hashed is exactly what the database stores.
      data: JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>,
    };
    const { beforeAt, beforeSeq, afterSeq } = canonicalRowPieces(row);
    return `(${i + 1}, ${$(row.type)}::text, ${$(row.actorType)}::text, ${$(row.actorId)}::text, ${$(row.subjectType)}::text, ${$(row.subjectId)}::text, ${$(JSON.stringify(row.data))}::jsonb, ${$(beforeAt)}::text, ${$(beforeSeq)}::text, ${$(afterSeq)}::text)`;
  });
  ctes.push(
    `head AS (SELECT COALESCE(head_seq, 0) AS seq, COALESCE(head_hash, ${$(GENESIS_HASH)}) AS hash, date_trunc('milliseconds', tx_now) AS at,
                    to_char(date_trunc('milliseconds', tx_now) AT TIME ZONE 'UTC', ${ISO_MS}) AS at_text
               FROM countersign_audit_head())`,
    `events (n, type, actor_type, actor_id, subject_type, subject_id, data, before_at, before_seq, after_seq) AS (VALUES ${events.join(", ")})`,
    `chain (n, seq, prev_hash, hash) AS (
       SELECT 0, seq, NULL::text, hash FROM head
       UNION ALL
       SELECT e.n, c.seq + 1, c.hash, encode(sha256(convert_to(c.hash || e.before_at || h.at_text || e.before_seq || (c.seq + 1)::text || e.after_seq, 'UTF8')), 'hex')
         FROM chain c JOIN events e ON e.n = c.n + 1 CROSS JOIN head h)`,
    `appended AS (
       INSERT INTO audit_events (seq, at, type, actor_type, actor_id, subject_type, subject_id, data, prev_hash, hash)
       SELECT c.seq, h.at, e.type, e.actor_type, e.actor_id, e.subject_type, e.subject_id, e.data, c.prev_hash, c.hash
         FROM chain c JOIN events e USING (n) CROSS JOIN head h
       RETURNING seq, hash)`,
  );
  const outputs = [`(SELECT array_agg(seq::text ORDER BY seq) FROM appended) AS seqs`, `(SELECT array_agg(hash ORDER BY seq) FROM appended) AS hashes`];
  if (notify) outputs.push(`pg_notify(${$(notify.channel)}, ${$(notify.payload)})::text AS notified`);
  // Changes outgoing webhooks report queue their deliveries in this same statement.
  const webhookEvents = webhookEventsForAudit(inputs);
  if (webhookEvents.length > 0) {
    const webhooks = webhookQueueSql(params, webhookEvents, { sql: "(SELECT at_text FROM head)" }, requestsWritten);
    ctes.push(`webhooks AS (${webhooks.insert})`);
    outputs.push(webhooks.wake("webhooks"));
  }
  const [result] = await tx.$queryRawUnsafe<Array<{ seqs: string[]; hashes: string[] }>>(
    `WITH RECURSIVE ${ctes.join(",\n")}\nSELECT ${outputs.join(", ")}`,
    ...params,
  );
  return result.seqs.map((seq, i) => ({ seq: BigInt(seq), hash: result.hashes[i] }));
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
