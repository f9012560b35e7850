"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { finishPasskeyRegistration, removePasskey, startPasskeyRegistration } from "@/lib/passkeys";
import { requireActionReviewer } from "@/lib/auth/session";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";

// Server action: the options for the browser's passkey prompt (a one-time challenge, five minutes).
export async function passkeyRegistrationOptionsAction(): Promise<{ options?: PublicKeyCredentialCreationOptionsJSON; error?: string }> {
  try {
    const reviewer = await requireActionReviewer("viewer", "passkey_register");
    return { options: await startPasskeyRegistration(await db(), config(), reviewer) };
  } catch (error) {
    return { error: actionError(error).error };
  }
}

// Server action: verifies the browser's new credential and stores it under the name given.
export async function registerPasskeyAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const reviewer = await requireActionReviewer("viewer", "passkey_register");
    const passkey = await finishPasskeyRegistration(await db(), config(), reviewer, { name: formString(form, "name"), response: formString(form, "response") });
    refresh();
    return { done: `Passkey “${passkey.name}” registered.` };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: removes one of the signed-in person's own passkeys.
export async function removePasskeyAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const reviewer = await requireActionReviewer("viewer", "passkey_remove");
    await removePasskey(await db(), reviewer, formString(form, "id"));
    refresh();
    return { done: "Removed." };
  } catch (error) {
    return actionError(error);
  }
}
