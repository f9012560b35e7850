// Refused reviewer actions — an agent key or no session on a reviewer route, a viewer or a disabled
// account trying to decide, a second approval by the same person, an owner approving their own
// agent, an approval without the passkey policy asks for, a cross-site post — are recorded like failed keys: counted per source and refusal in the
// auth_failures windows (flushed as auth.failures summary rows), and the first of each per source
// and refusal within two minutes is also a chained `reviewer.refused` row with its detail. A flood
// of refusals therefore costs a bounded number of audit rows.
import type { PrismaClient } from "../db";
import { recordAudit } from "../audit";
import type { AppError } from "../errors";
import { recordAuthFailure } from "./failures";

/** The refusals that are recorded: someone tried something a reviewer may not do. */
export const RECORDED_REVIEWER_REFUSALS = new Set(["unauthenticated", "role_required", "forbidden", "cross_site_request", "already_reviewed", "owner_cannot_approve", "passkey_required"]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function recordReviewerRefusal(
  prisma: PrismaClient,
  source: string,
  error: AppError,
  detail: { userId?: string | null; action: string; requestId?: string },
): Promise<void> {
  if (!RECORDED_REVIEWER_REFUSALS.has(error.code)) return;
  const repeats = await recordAuthFailure(prisma, `${source} ${error.code}`, "reviewer_refused");
  if (repeats > 1) return;
  await recordAudit(prisma, {
    type: "reviewer.refused",
    actor: detail.userId ? { type: "user", id: detail.userId } : { type: "anonymous" },
    ...(detail.requestId && UUID.test(detail.requestId) ? { subject: { type: "request", id: detail.requestId } } : {}),
    data: { code: error.code, action: detail.action.slice(0, 40), source },
  });
}
