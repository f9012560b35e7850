"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { signOut } from "@/auth";
import { config } from "@/lib/env";
import { assertSameOriginHeaders } from "@/lib/auth/origin";

// Server action: ends the session and returns to the sign-in page.
export async function signOutAction(): Promise<void> {
  assertSameOriginHeaders(await headers(), config().publicUrl);
  await signOut({ redirect: false });
  redirect("/signin");
}
