"use server";

import { signIn } from "@/auth";
import { config } from "@/lib/env";
import { headers } from "next/headers";
import { isSameOrigin } from "@/lib/auth/origin";
import { safeReturnPath } from "@/lib/auth/safe-return";

export interface SignInState {
  error?: string;
  email?: string;
}

const MESSAGES: Record<string, string> = {
  invalid_credentials: "That email and password do not match an active account.",
  rate_limited: "Too many failed attempts. Wait a minute, then try again.",
};

function isAuthError(error: unknown): error is Error & { type: string; code?: string } {
  return error instanceof Error && typeof (error as { type?: unknown }).type === "string";
}

// Server action: signs in with email and password, then returns to the page that asked.
export async function signInWithPasswordAction(_prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "").slice(0, 254);
  if (!isSameOrigin(await headers(), config().publicUrl)) {
    return { email, error: "Sign-in must come from this site's own sign-in page." };
  }
  const redirectTo = safeReturnPath(form.get("callbackUrl"));
  try {
    // On success this throws Next's redirect, which must propagate.
    await signIn("credentials", { email, password: String(form.get("password") ?? ""), redirectTo });
  } catch (error) {
    if (isAuthError(error)) {
      return { email, error: (error.code && MESSAGES[error.code]) || "Sign-in failed. Try again." };
    }
    throw error;
  }
  return {};
}

// Server action: starts single sign-on with the configured OIDC provider.
export async function signInWithOidcAction(form: FormData): Promise<void> {
  if (!isSameOrigin(await headers(), config().publicUrl)) throw new Error("Cross-site sign-in refused.");
  await signIn("oidc", { redirectTo: safeReturnPath(form.get("callbackUrl")) });
}
