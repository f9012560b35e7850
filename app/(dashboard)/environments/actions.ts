"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { createEnvironment, setEnvironmentBindings, setEnvironmentTier, type Tier } from "@/lib/environments";
import { requireActionReviewer } from "@/lib/auth/session";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";

// Server action: defines an environment and its tier.
export async function createEnvironmentAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const env = await createEnvironment(
      await db(),
      { name: formString(form, "name"), tier: formString(form, "tier") as Tier, description: formString(form, "description") },
      { type: "user", id: admin.id },
    );
    refresh();
    return { done: `Environment ${env.name} added (${env.tier === "production" ? "production tier" : "non-production tier"}).` };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: moves an environment between tiers; policy uses the new tier for new requests.
export async function setTierAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const env = await setEnvironmentTier(await db(), formString(form, "name"), formString(form, "tier") as Tier, { type: "user", id: admin.id });
    refresh();
    return { done: `Now ${env.tier === "production" ? "production" : "non-production"}.` };
  } catch (error) {
    return actionError(error);
  }
}

/** A list typed into a text field: entries separated by commas, new lines or other white space. */
function formList(form: FormData, name: string): string[] {
  return formString(form, name)
    .split(/[\s,]+/)
    .filter(Boolean);
}

/** The bindings form's answer; after a refusal, what was typed, to fix rather than retype. */
export type BindingsResult = ActionResult & { values?: { hosts: string; resourcePatterns: string } };

// Server action: declares the hosts and resource names that belong to an environment, whatever
// an agent's request says.
export async function setBindingsAction(_prev: BindingsResult, form: FormData): Promise<BindingsResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const env = await setEnvironmentBindings(
      await db(),
      formString(form, "name"),
      { hosts: formList(form, "hosts"), resourcePatterns: formList(form, "resourcePatterns") },
      { type: "user", id: admin.id },
    );
    refresh();
    const count = env.hosts.length + env.resourcePatterns.length;
    return { done: count === 0 ? `Nothing is bound to ${env.name} now.` : `Saved: ${count} ${count === 1 ? "binding" : "bindings"} for ${env.name}.` };
  } catch (error) {
    return { ...actionError(error), values: { hosts: formString(form, "hosts"), resourcePatterns: formString(form, "resourcePatterns") } };
  }
}
