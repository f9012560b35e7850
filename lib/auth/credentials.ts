// Password sign-in with attempt limits. Failures are counted per email and client address in
// lib/auth/failures.ts's windows; past FAILURE_LIMIT the attempt is refused without checking the
// password, so guessing stops even when the guess would be right. A wider per-email cap stops
// guessing spread over many (possibly spoofed) addresses.
import "server-only";
import type { PrismaClient } from "../db";
import { recordAudit } from "../audit";
import { authenticateUser, type UserView } from "../users";
import { FAILURE_LIMIT, failureCount, recordAuthFailure } from "./failures";

/** Failures for one email from all addresses within a window before it is refused. */
export const EMAIL_FAILURE_LIMIT = FAILURE_LIMIT * 5;

export type PasswordSignIn = { ok: true; user: UserView } | { ok: false; reason: "invalid" | "rate_limited" };

/**
 * The client's address as the nearest proxy saw it: the last `X-Forwarded-For` entry (Next.js sets
 * it to the socket address when no proxy did), else `X-Real-IP`.
 */
export function clientAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return (last || headers.get("x-real-ip") || "unknown").slice(0, 64);
}

function sources(email: string, address: string) {
  return { pair: `sign-in:${email}|${address}`, email: `sign-in:${email}` };
}

export async function signInWithPassword(
  prisma: PrismaClient,
  input: { email: unknown; password: unknown; address: string },
  now = new Date(),
): Promise<PasswordSignIn> {
  const email = typeof input.email === "string" ? input.email.trim().toLowerCase().slice(0, 254) : "";
  const password = typeof input.password === "string" ? input.password.slice(0, 1024) : "";
  if (!email || !password) return { ok: false, reason: "invalid" };
  const source = sources(email, input.address);
  const [pairFailures, emailFailures] = await Promise.all([
    failureCount(prisma, source.pair, "sign_in", now),
    failureCount(prisma, source.email, "sign_in", now),
  ]);
  if (pairFailures >= FAILURE_LIMIT || emailFailures >= EMAIL_FAILURE_LIMIT) return { ok: false, reason: "rate_limited" };

  const user = await authenticateUser(prisma, email, password);
  if (!user) {
    await recordAuthFailure(prisma, source.pair, "sign_in", now);
    await recordAuthFailure(prisma, source.email, "sign_in", now);
    return { ok: false, reason: "invalid" };
  }
  await recordAudit(prisma, {
    type: "user.signed_in",
    actor: { type: "user", id: user.id },
    subject: { type: "user", id: user.id },
    data: { method: "password" },
  });
  return { ok: true, user };
}

/** Maps an OIDC identity to an existing, enabled user by verified email. Never creates users. */
export async function userForOidcIdentity(
  prisma: PrismaClient,
  profile: { email?: unknown; email_verified?: unknown } | undefined,
  options: { recordSignIn?: boolean } = {},
): Promise<UserView | null> {
  const email = typeof profile?.email === "string" ? profile.email.trim().toLowerCase() : "";
  if (!email || profile?.email_verified === false) return null;
  const user = await prisma.user.findUnique({
    where: { email },
    select: { id: true, email: true, name: true, role: true, disabledAt: true, createdAt: true },
  });
  if (!user || user.disabledAt) return null;
  if (options.recordSignIn === false) return user;
  await recordAudit(prisma, {
    type: "user.signed_in",
    actor: { type: "user", id: user.id },
    subject: { type: "user", id: user.id },
    data: { method: "oidc" },
  });
  return user;
}
