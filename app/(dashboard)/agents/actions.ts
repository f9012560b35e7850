"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { createAgent, createAgentKey, revokeAgentKey, setAgentDisabled, updateAgent, type Scope } from "@/lib/agents";
import { liftQuarantine } from "@/lib/agents/quarantine";
import { requireActionReviewer } from "@/lib/auth/session";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";

export interface NewKeyResult extends ActionResult {
  key?: string;
  lookupId?: string;
  agentName?: string;
}

function commaList(form: FormData, field: string): string[] {
  return formString(form, field)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function environmentsFrom(form: FormData): string[] {
  const picked = form.getAll("environments").filter((v): v is string => typeof v === "string");
  return [...new Set([...picked, ...commaList(form, "otherEnvironments")])];
}

/** Absent (a form without the field) leaves the default, or on an edit the agent's current list. */
function resourcesFrom(form: FormData): string[] | undefined {
  return form.has("resources") ? commaList(form, "resources") : undefined;
}

// Server action: creates an agent and its first key; the key is returned once, never stored.
export async function createAgentAction(_prev: NewKeyResult, form: FormData): Promise<NewKeyResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const created = await createAgent(
      await db(),
      {
        name: formString(form, "name"),
        description: formString(form, "description"),
        ownerId: formString(form, "ownerId") || null,
        environments: environmentsFrom(form),
        resources: resourcesFrom(form),
        scopes: form.getAll("scopes").filter((v): v is Scope => typeof v === "string"),
        keyLabel: formString(form, "keyLabel") || "default",
      },
      { type: "user", id: admin.id },
    );
    refresh();
    return { done: `Agent ${created.agent.name} created.`, key: created.plaintext, lookupId: created.key.lookupId, agentName: created.agent.name };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: changes an agent's environments, scopes, owner and description (audited).
export async function updateAgentAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const updated = await updateAgent(
      await db(),
      formString(form, "agentId"),
      {
        description: formString(form, "description"),
        ownerId: formString(form, "ownerId") || null,
        environments: environmentsFrom(form),
        resources: resourcesFrom(form),
        scopes: form.getAll("scopes").filter((v): v is Scope => typeof v === "string"),
      },
      { type: "user", id: admin.id },
    );
    refresh();
    return { done: `Agent ${updated.name} saved.` };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: another key for an agent, shown once.
export async function createKeyAction(_prev: NewKeyResult, form: FormData): Promise<NewKeyResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const agentId = formString(form, "agentId");
    const issued = await createAgentKey(await db(), agentId, { label: formString(form, "label") || "key" }, { type: "user", id: admin.id });
    refresh();
    return { done: "Key created.", key: issued.plaintext, lookupId: issued.key.lookupId };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: revokes one key at once.
export async function revokeKeyAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    await revokeAgentKey(await db(), formString(form, "keyId"), { type: "user", id: admin.id });
    refresh();
    return { done: "Revoked." };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: disables or enables an agent (a disabled agent's keys stop working).
export async function setAgentDisabledAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const disabled = formString(form, "disabled") === "true";
    await setAgentDisabled(await db(), formString(form, "agentId"), disabled, { type: "user", id: admin.id });
    refresh();
    return { done: disabled ? "Disabled." : "Enabled." };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: lifts the circuit breaker's quarantine (the agent's keys work again).
export async function liftQuarantineAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    await liftQuarantine(await db(), formString(form, "agentId"), { type: "user", id: admin.id });
    refresh();
    return { done: "Quarantine lifted." };
  } catch (error) {
    return actionError(error);
  }
}
