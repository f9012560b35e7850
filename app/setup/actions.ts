"use server";

import { headers } from "next/headers";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { assertSameOriginHeaders } from "@/lib/auth/origin";
import { completeSetup } from "@/lib/users/setup";
import { DATABASE_UNAVAILABLE_MESSAGE, isAppError, isDatabaseUnavailable } from "@/lib/errors";

export interface SetupState {
  error?: string;
  fieldErrors?: Record<string, string>;
  done?: boolean;
}

// Server action: creates the first admin with the one-time setup token.
export async function setupAdmin(_prev: SetupState, form: FormData): Promise<SetupState> {
  try {
    // No session exists yet, but a cross-site form must still not be able to use a leaked link.
    assertSameOriginHeaders(await headers(), config().publicUrl);
    await completeSetup(await db(), {
      token: String(form.get("token") ?? ""),
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      name: String(form.get("name") ?? ""),
    });
    return { done: true };
  } catch (error) {
    if (isAppError(error)) {
      return {
        error: error.message,
        fieldErrors: Object.fromEntries((error.errors ?? []).map((e) => [e.field || "form", e.message])),
      };
    }
    if (isDatabaseUnavailable(error)) return { error: DATABASE_UNAVAILABLE_MESSAGE };
    throw error;
  }
}
