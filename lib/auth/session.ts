// Who is signed in, read fresh from the database on every request: the session cookie only names
// the user, so disabling an account or changing a role takes effect on that person's next request.
// Pages, route handlers and server actions all check here; proxy.ts only keeps signed-out people
// away from pages.
import "server-only";
import { cache } from "react";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { isUuid } from "../validate";
import { auth } from "@/auth";
import { db } from "../db";
import { config } from "../env";
import { AppError, isAppError } from "../errors";
import { clientAddress } from "../http/client-address";
import { recordReviewerRefusal } from "./refusals";
import { hasRole, type Role } from "../users/roles";
import { assertSameOriginHeaders } from "./origin";

export interface Reviewer {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

async function loadReviewer(): Promise<Reviewer | null> {
  const session = await auth();
  const id = (session?.user as { id?: unknown } | undefined)?.id;
  if (typeof id !== "string" || !isUuid(id)) return null;
  const user = await (await db()).user.findUnique({
    where: { id },
    select: { id: true, email: true, name: true, role: true, disabledAt: true },
  });
  if (!user || user.disabledAt) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role as Role };
}

/** The signed-in, enabled reviewer, or null. Memoised per request render. */
export const currentReviewer = cache(loadReviewer);

export function displayName(reviewer: { name: string | null; email: string }): string {
  return reviewer.name?.trim() || reviewer.email;
}

/** For route handlers and server actions: the reviewer, or an AppError (401 / 403), recorded. */
export async function requireReviewer(role: Role = "viewer", action = "read"): Promise<Reviewer> {
  const reviewer = await currentReviewer();
  if (!reviewer) throw await recorded(new AppError("unauthenticated", "Your session has ended. Sign in again."), { action });
  if (!hasRole(reviewer.role, role)) {
    throw await recorded(
      new AppError("role_required", `This needs the ${role} role; you are a${reviewer.role === "admin" || reviewer.role === "approver" ? "n" : ""} ${reviewer.role}.`),
      { action, userId: reviewer.id },
    );
  }
  return reviewer;
}

/** Records a refused reviewer action (lib/auth/refusals.ts) and returns the error to throw. */
export async function recorded(error: AppError, detail: { action: string; userId?: string | null; requestId?: string }): Promise<AppError> {
  await recordReviewerRefusal(await db(), clientAddress(await headers()), error, detail);
  return error;
}

/** For pages: the reviewer, or a redirect to sign-in that comes back to `returnPath`. */
export async function requirePageReviewer(returnPath: string): Promise<Reviewer> {
  const reviewer = await currentReviewer();
  if (!reviewer) redirect(`/signin?callbackUrl=${encodeURIComponent(returnPath)}`);
  return reviewer;
}

/** For server actions that change state: refuse cross-site requests, then check the reviewer. */
export async function requireActionReviewer(role: Role = "viewer", action = "action"): Promise<Reviewer> {
  try {
    assertSameOriginHeaders(await headers(), config().publicUrl);
  } catch (error) {
    if (isAppError(error)) throw await recorded(error, { action });
    throw error;
  }
  return requireReviewer(role, action);
}
