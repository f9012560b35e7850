// The audit page's chain status without re-reading the whole log on every view: each process
// remembers the head it last verified and checks only the rows after it (after re-hashing that
// head row). A full walk runs on the first view and whenever someone asks for it.
import "server-only";
import type { PrismaClient } from "../db";
import { auditHash, verifyAuditChain, type ChainStatus, type VerifiedHead } from "../audit";

interface Remembered {
  head: VerifiedHead | null;
  fullCheckAt: Date;
}

// A cache, per database client: it only saves work, and is dropped when anything fails to verify.
const remembered = new WeakMap<PrismaClient, Remembered>();

export type AuditChainView = ChainStatus & {
  /** Whether only the rows after the remembered head were read this time. */
  incremental: boolean;
  /** When the whole chain was last walked by this process. */
  fullCheckAt: string | null;
};

export async function auditChainStatus(prisma: PrismaClient, options: { full?: boolean; now?: Date } = {}): Promise<AuditChainView> {
  const now = options.now ?? new Date();
  const known = options.full ? undefined : remembered.get(prisma);
  let from: VerifiedHead | undefined;
  if (known?.head) {
    // The head row must still hash to what was verified, content included.
    const row = await prisma.auditEvent.findUnique({ where: { seq: known.head.seq } });
    if (row && row.hash === known.head.hash && auditHash(row.prevHash, row) === row.hash) from = known.head;
  }
  const incremental = Boolean(known) && (from !== undefined || known!.head === null);
  const status = await verifyAuditChain(prisma, from);
  if (!status.ok) {
    remembered.delete(prisma);
    return { ...status, incremental, fullCheckAt: null };
  }
  const fullCheckAt = incremental ? known!.fullCheckAt : now;
  remembered.set(prisma, { head: status.lastSeq === null ? null : { seq: status.lastSeq, hash: status.headHash, count: status.count }, fullCheckAt });
  return { ...status, incremental, fullCheckAt: fullCheckAt.toISOString() };
}
