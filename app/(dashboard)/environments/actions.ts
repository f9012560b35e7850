"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { createEnvironment, setEnvironmentTier, type Tier } from "@/lib/environments";
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
