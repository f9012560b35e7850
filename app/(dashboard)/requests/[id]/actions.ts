"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { DATABASE_UNAVAILABLE_MESSAGE, isAppError, isDatabaseUnavailable } from "@/lib/errors";
import { decideRequest } from "@/lib/requests";
import { startApprovalPasskey } from "@/lib/passkeys";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { recorded, requireActionReviewer } from "@/lib/auth/session";
import { RECORDED_REVIEWER_REFUSALS } from "@/lib/auth/refusals";

export interface DecisionState {
  error?: string;
  fieldErrors?: Record<string, string>;
  done?: string;
  /** What the reviewer typed, kept when the server refuses. */
  values?: { reason?: string; confirmation?: string };
}

const DONE: Record<string, string> = {
  approve: "Your approval is recorded.",
  deny: "The request is denied; the agent has been told.",
  revoke: "The approval is revoked; the grant can no longer be redeemed.",
};

// Server action: approve, deny or revoke a request — always through decideRequest, which enforces
// quorum, roles, the owner rule and the typed confirmation.
export async function decideAction(_prev: DecisionState, form: FormData): Promise<DecisionState> {
  const decision = String(form.get("decision") ?? "");
  const requestId = String(form.get("requestId") ?? "");
  const reason = String(form.get("reason") ?? "").trim();
  const confirmation = String(form.get("confirmation") ?? "");
  const passkey = String(form.get("passkey") ?? "");
  const values = { reason, confirmation };
  let reviewerId: string | null = null;
  try {
    const reviewer = await requireActionReviewer("viewer", ["approve", "deny", "revoke"].includes(decision) ? decision : "decide");
    reviewerId = reviewer.id;
    const input =
      decision === "approve"
        ? { decision: "approve" as const, ...(confirmation ? { confirmation } : {}), ...(reason ? { reason } : {}), ...(passkey ? { passkey } : {}) }
        : decision === "deny"
          ? { decision: "deny" as const, reason }
          : decision === "revoke"
            ? { decision: "revoke" as const, reason }
            : null;
    if (!input) return { error: "Choose Approve, Deny or Revoke.", values };
    const view = await decideRequest(await db(), config(), { requestId, reviewerId: reviewer.id, decision: input });
    refresh();
    const remaining = view.requiredApprovals - view.approvals;
    const cancelled = decision === "revoke" && form.get("coolingDown") === "true";
    const done = cancelled
      ? "The approval is cancelled; no grant will be issued and the agent has been told."
      : decision === "approve" && view.status === "pending" && remaining > 0 ? `Your approval is recorded. ${remaining} more approval${remaining === 1 ? "" : "s"} needed from other reviewers.` : DONE[decision];
    return { done };
  } catch (error) {
    if (isAppError(error)) {
      // A refused decision (a viewer, a second approval, the agent's owner) is recorded like a failed key.
      if (reviewerId && RECORDED_REVIEWER_REFUSALS.has(error.code)) await recorded(error, { action: ["approve", "deny", "revoke"].includes(decision) ? decision : "decide", userId: reviewerId, requestId });
      const fields = error.errors ?? [];
      const sentence = (m: string) => `${m.charAt(0).toUpperCase()}${m.slice(1)}${/[.!?]$/.test(m) ? "" : "."}`;
      return {
        // Validation failures read better as what to do ("Give a reason for the denial.").
        error: error.code === "validation_failed" && fields.length ? fields.map((e) => sentence(e.message)).join(" ") : error.message,
        fieldErrors: Object.fromEntries((error.errors ?? []).map((e) => [e.field.replace(/^decision\./, ""), e.message])),
        values,
      };
    }
    if (isDatabaseUnavailable(error)) return { error: DATABASE_UNAVAILABLE_MESSAGE, values };
    throw error;
  }
}

// Server action: the passkey prompt's options for approving one request — a one-time challenge
// bound to the request and its operation digest, for this reviewer's passkeys only.
export async function approvalPasskeyOptionsAction(requestId: string): Promise<{ options?: PublicKeyCredentialRequestOptionsJSON; error?: string }> {
  try {
    const reviewer = await requireActionReviewer("approver", "passkey_challenge");
    return { options: await startApprovalPasskey(await db(), config(), { userId: reviewer.id, requestId: String(requestId) }) };
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    throw error;
  }
}
