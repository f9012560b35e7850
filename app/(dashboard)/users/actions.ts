"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createUser, getUser, setUserDisabled, setUserRole, type Role } from "@/lib/users";
import { requireActionReviewer } from "@/lib/auth/session";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";

// Server action: adds a reviewer (no password means single sign-on only).
export async function createUserAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const password = String(form.get("password") ?? "");
    const user = await createUser(
      await db(),
      { email: formString(form, "email"), name: formString(form, "name") || undefined, role: formString(form, "role") as Role, password: password || undefined },
      { type: "user", id: admin.id },
    );
    refresh();
    return { done: `${user.email} added as ${user.role}.` };
  } catch (error) {
    return actionError(error);
  }
}

async function targetUser(form: FormData, adminId: string) {
  const user = await getUser(await db(), formString(form, "userId"));
  if (!user) throw new AppError("not_found", "No such user.");
  if (user.id === adminId) throw new AppError("forbidden", "You cannot change your own account here; ask another admin.");
  return user;
}

// Server action: changes a reviewer's role; it applies from their next request.
export async function setRoleAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const user = await targetUser(form, admin.id);
    const updated = await setUserRole(await db(), user.email, formString(form, "role") as Role, { type: "user", id: admin.id });
    refresh();
    return { done: `Now ${updated.role}.` };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: disables or re-enables a reviewer; a disabled reviewer is signed out at once.
export async function setUserDisabledAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const user = await targetUser(form, admin.id);
    const disabled = formString(form, "disabled") === "true";
    await setUserDisabled(await db(), user.email, disabled, { type: "user", id: admin.id });
    refresh();
    return { done: disabled ? "Disabled." : "Enabled." };
  } catch (error) {
    return actionError(error);
  }
}
