"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { denyBurst } from "@/lib/requests";
import { recorded, requireActionReviewer } from "@/lib/auth/session";
import { RECORDED_REVIEWER_REFUSALS } from "@/lib/auth/refusals";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

// Server action: deny every pending request of a burst with one reason — approvers only, same-site
// only, each request decided through decideRequest.
export async function denyBurstAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  let reviewerId: string | null = null;
  try {
    const reviewer = await requireActionReviewer("approver", "deny");
    reviewerId = reviewer.id;
    const result = await denyBurst(await db(), config(), reviewer.id, {
      agentId: formString(form, "agentId"),
      environment: formString(form, "environment"),
      resource: formString(form, "resource"),
      kind: formString(form, "kind"),
      firstAt: formString(form, "firstAt"),
      lastAt: formString(form, "lastAt"),
      reason: formString(form, "reason"),
    });
    refresh();
    const parts = [`Denied ${plural(result.denied.length, "request")}; the agent has been told.`];
    if (result.skipped.length) parts.push(`${plural(result.skipped.length, "request was", "requests were")} not denied: ${[...new Set(result.skipped.map((s) => s.message))].join(" ")}`);
    if (result.remaining) parts.push(`${plural(result.remaining, "request")} of this group still wait: press Deny all again.`);
    return { done: parts.join(" ") };
  } catch (error) {
    if (isAppError(error) && reviewerId && RECORDED_REVIEWER_REFUSALS.has(error.code)) await recorded(error, { action: "deny", userId: reviewerId });
    if (isAppError(error) && error.code === "validation_failed" && error.errors?.some((e) => e.field === "reason")) return { error: "Give a reason for the denial.", fieldErrors: { reason: "give a reason for the denial" } };
    return actionError(error);
  }
}
