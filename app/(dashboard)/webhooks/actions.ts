"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { addWebhookEndpoint, removeWebhookEndpoint, setWebhookEndpointEnabled } from "@/lib/webhooks";
import { requireActionReviewer } from "@/lib/auth/session";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";

/** The add form's answer: the signing secret, once, and nowhere else afterwards. */
export type AddWebhookResult = ActionResult & { secret?: string; endpointId?: string };

// Server action: adds an endpoint and answers with its signing secret (shown once).
export async function addWebhookAction(_prev: AddWebhookResult, form: FormData): Promise<AddWebhookResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const events = form.getAll("events").filter((v): v is string => typeof v === "string");
    const { endpoint, secret } = await addWebhookEndpoint(
      await db(),
      config(),
      { url: formString(form, "url"), events: events as never, description: formString(form, "description") },
      { type: "user", id: admin.id },
    );
    refresh();
    return { done: `Webhook added: ${endpoint.url}.`, secret, endpointId: endpoint.id };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: turns deliveries to an endpoint off or back on.
export async function setWebhookEnabledAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const enabled = formString(form, "enabled") === "true";
    await setWebhookEndpointEnabled(await db(), formString(form, "id"), enabled, { type: "user", id: admin.id });
    refresh();
    return { done: enabled ? "Enabled." : "Disabled." };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: removes an endpoint with its delivery history.
export async function removeWebhookAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    await removeWebhookEndpoint(await db(), formString(form, "id"), { type: "user", id: admin.id });
    refresh();
    return { done: "Removed." };
  } catch (error) {
    return actionError(error);
  }
}
