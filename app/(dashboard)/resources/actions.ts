"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { registerResource, removeResource, updateResourceConnection } from "@/lib/resources";
import { requireActionReviewer } from "@/lib/auth/session";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";

// The connection URL comes in with the form and goes nowhere else: not into an answer, a log line
// or the audit log. Each action checks the admin role and refuses cross-site requests itself.

// Server action: registers a resource for the built-in executor.
export async function registerResourceAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const resource = await registerResource(
      await db(),
      config(),
      {
        name: formString(form, "name"),
        environment: formString(form, "environment"),
        connectionUrl: formString(form, "connectionUrl"),
        description: formString(form, "description"),
      },
      { type: "user", id: admin.id },
    );
    refresh();
    return { done: `Resource ${resource.name} registered in ${resource.environment}. Its connection URL is stored encrypted and will not be shown again.` };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: replaces a resource's connection URL (a rotated password, a moved database).
export async function replaceConnectionUrlAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const resource = await updateResourceConnection(await db(), config(), formString(form, "name"), formString(form, "connectionUrl"), { type: "user", id: admin.id });
    refresh();
    return { done: `Connection URL of ${resource.name} replaced.` };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: removes a resource; the built-in executor can no longer reach it.
export async function removeResourceAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const resource = await removeResource(await db(), formString(form, "name"), { type: "user", id: admin.id });
    refresh();
    return { done: `Resource ${resource.name} removed.` };
  } catch (error) {
    return actionError(error);
  }
}
