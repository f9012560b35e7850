// The audit log anchored outside the database, as CloudTrail's digest files anchor its logs:
// signed checkpoints (sequence, head hash, time, key id; Ed25519, a compact JWS verifiable with
// Countersign's public keys) go at an interval and on shutdown to sinks the database's owner does
// not control — an append-only file outside the data folder, the log stream, and webhook endpoints
// subscribed to audit.checkpoint (a SIEM keeps its own copy). Whoever can
// rewrite the table can recompute every hash, and delete the newest rows; neither survives a
// comparison with checkpoints taken before.
import { appendFileSync } from "node:fs";
import { CompactSign, compactVerify, importJWK, decodeProtectedHeader } from "jose";
import type { PrismaClient } from "../db";
import type { Config } from "../env";
import { activeSigningKey } from "../grants/keys";
import { log } from "../log";
import { verifyAuditChain } from "./index";
import { enqueueWebhookEvents } from "../webhooks/enqueue";

export const CHECKPOINT_TYP = "countersign-audit-checkpoint+jws";

export interface Checkpoint {
  /** The newest row's sequence number when the checkpoint was taken (a string: it is a bigint). */
  seq: string;
  /** That row's hash. */
  head: string;
  /** The database's clock. */
  at: string;
  /** The signing key. */
  kid: string;
}

/** One line of a checkpoint file: the checkpoint in clear, and the same signed. */
export interface CheckpointLine extends Checkpoint {
  jws: string;
}

/** Takes and signs a checkpoint of the chain as it is now; null while the log is empty. */
export async function takeCheckpoint(prisma: PrismaClient, cfg: Config): Promise<CheckpointLine | null> {
  const last = await prisma.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  if (!last) return null;
  const [clock] = await prisma.$queryRawUnsafe<Array<{ now: Date }>>(`SELECT now() AS now`);
  const now = new Date(clock.now);
  const key = await activeSigningKey(prisma, cfg, now);
  const checkpoint: Checkpoint = { seq: last.seq.toString(), head: last.hash, at: now.toISOString(), kid: key.kid };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(checkpoint)))
    .setProtectedHeader({ alg: "EdDSA", typ: CHECKPOINT_TYP, kid: key.kid })
    .sign(key.privateKey);
  return { ...checkpoint, jws };
}

/** Writes a checkpoint to the sinks: the file (appended, one JSON line) when configured, and the log stream. */
export function writeCheckpoint(line: CheckpointLine, file: string | undefined): void {
  if (file) appendFileSync(file, `${JSON.stringify(line)}\n`, { mode: 0o600, flag: "a" });
  log.info("audit checkpoint", { checkpoint: line });
}

/** Queues the checkpoint for webhook endpoints subscribed to audit.checkpoint (none: nothing is queued). */
export async function sendCheckpointToWebhooks(prisma: PrismaClient, line: CheckpointLine): Promise<number> {
  const data = { seq: line.seq, head: line.head, at: line.at, kid: line.kid, jws: line.jws };
  return enqueueWebhookEvents(prisma, [{ type: "audit.checkpoint", requestId: null, data }], new Date(line.at));
}

/**
 * Takes a checkpoint every `everyMs` when the chain has grown, and a last one on stop. Errors are
 * logged, never thrown: a checkpoint sink that fails must not stop the server.
 */
export function startCheckpoints(prisma: PrismaClient, cfg: Config, options: { everyMs: number; file?: string }): { close(): Promise<void> } {
  let lastSeq: string | null = null;
  let busy: Promise<void> | null = null;
  const tick = () => {
    if (busy) return busy;
    busy = (async () => {
      try {
        const line = await takeCheckpoint(prisma, cfg);
        if (line && line.seq !== lastSeq) {
          writeCheckpoint(line, options.file);
          lastSeq = line.seq;
          await sendCheckpointToWebhooks(prisma, line);
        }
      } catch (error) {
        log.warn("audit checkpoint failed", { error: error instanceof Error ? error.message : "error" });
      } finally {
        busy = null;
      }
    })();
    return busy;
  };
  const timer = setInterval(tick, options.everyMs);
  timer.unref();
  void tick();
  return {
    async close() {
      clearInterval(timer);
      await busy;
      await tick();
    },
  };
}

export interface CheckpointFinding {
  line: number;
  problem: "signature" | "tail_deleted" | "rewritten" | "unreadable";
  message: string;
}

export interface CheckpointReport {
  ok: boolean;
  checked: number;
  findings: CheckpointFinding[];
}

/** Every public key Countersign ever signed with (retired ones included), by kid. */
async function publicKeys(prisma: PrismaClient, cfg: Config): Promise<Map<string, unknown>> {
  const keys = new Map<string, unknown>();
  const rows = await prisma.signingKey.findMany({ select: { kid: true, publicJwk: true } });
  for (const row of rows) keys.set(row.kid, row.publicJwk);
  if (cfg.signingKeyPem) {
    const configured = await activeSigningKey(prisma, cfg, new Date());
    keys.set(configured.kid, configured.publicJwk);
  }
  return keys;
}

/**
 * Holds the database's chain against checkpoints taken before: each must verify with Countersign's
 * keys, and the row it names must still be there with the hash it saw. The log ending before a
 * checkpoint's row is tail deletion; a different hash at that row is a rewrite.
 */
export async function verifyCheckpoints(prisma: PrismaClient, cfg: Config, text: string): Promise<CheckpointReport> {
  const keys = await publicKeys(prisma, cfg);
  const last = await prisma.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
  const findings: CheckpointFinding[] = [];
  let checked = 0;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    if (!raw.trim()) continue;
    const line = index + 1;
    let checkpoint: Checkpoint;
    try {
      const { jws } = JSON.parse(raw) as CheckpointLine;
      const header = decodeProtectedHeader(jws);
      const jwk = header.kid ? keys.get(header.kid) : undefined;
      if (!jwk || header.typ !== CHECKPOINT_TYP || header.alg !== "EdDSA") {
        findings.push({ line, problem: "signature", message: `checkpoint on line ${line} is not signed by a Countersign key` });
        continue;
      }
      const { payload } = await compactVerify(jws, await importJWK(jwk as Parameters<typeof importJWK>[0], "EdDSA"), { algorithms: ["EdDSA"] });
      checkpoint = JSON.parse(new TextDecoder().decode(payload)) as Checkpoint;
    } catch {
      findings.push({ line, problem: "unreadable", message: `checkpoint on line ${line} does not parse or its signature does not verify` });
      continue;
    }
    checked++;
    const seq = BigInt(checkpoint.seq);
    if (!last || last.seq < seq) {
      findings.push({
        line,
        problem: "tail_deleted",
        message: `the log ends at ${last?.seq ?? 0} but the checkpoint at ${checkpoint.at} saw ${checkpoint.seq}`,
      });
      continue;
    }
    const row = await prisma.auditEvent.findUnique({ where: { seq }, select: { hash: true } });
    if (!row) findings.push({ line, problem: "tail_deleted", message: `row ${checkpoint.seq} is missing, though the checkpoint at ${checkpoint.at} saw it` });
    else if (row.hash !== checkpoint.head) {
      findings.push({ line, problem: "rewritten", message: `row ${checkpoint.seq}'s hash differs from the checkpoint at ${checkpoint.at}: the chain was rewritten` });
    }
  }
  return { ok: findings.length === 0, checked, findings };
}

/** The chain verified on its own, then against the checkpoints. */
export async function verifyAuditWithCheckpoints(prisma: PrismaClient, cfg: Config, text: string) {
  const chain = await verifyAuditChain(prisma);
  const checkpoints = await verifyCheckpoints(prisma, cfg, text);
  return { chain, checkpoints, ok: chain.ok && checkpoints.ok };
}
