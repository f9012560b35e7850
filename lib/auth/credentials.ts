// Password sign-in with attempt limits. Failures are counted per email and client address in
// lib/auth/failures.ts's windows; past FAILURE_LIMIT the attempt is refused without checking the
// password, so guessing stops even when the guess would be right. A wider per-email cap stops
// guessing spread over many addresses, and a per-address cap guessing spread over many emails.
import "server-only";
import type { PrismaClient } from "../db";
import { recordAudit } from "../audit";
import { authenticateUser, type UserView } from "../users";
import { FAILURE_LIMIT, failureCount, recordAuthFailure } from "./failures";

/** Failures for one email from all addresses within a window before it is refused. */
export const EMAIL_FAILURE_LIMIT = FAILURE_LIMIT * 5;
/** Failures from one address for any emails within a window before it is refused. */
export const ADDRESS_FAILURE_LIMIT = FAILURE_LIMIT * 5;

export type PasswordSignIn = { ok: true; user: UserView } | { ok: false; reason: "invalid" | "rate_limited" };

export { clientAddress } from "../http/client-address";

function sources(email: string, address: string) {
  return { pair: `sign-in:${email}|${address}`, email: `sign-in:${email}`, address: `sign-in-from:${address}` };
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
  const [pairFailures, emailFailures, addressFailures] = await Promise.all([
    failureCount(prisma, source.pair, "sign_in", now),
    failureCount(prisma, source.email, "sign_in", now),
    failureCount(prisma, source.address, "sign_in", now),
  ]);
  if (pairFailures >= FAILURE_LIMIT || emailFailures >= EMAIL_FAILURE_LIMIT || addressFailures >= ADDRESS_FAILURE_LIMIT) {
    return { ok: false, reason: "rate_limited" };
  }

  const user = await authenticateUser(prisma, email, password);
  if (!user) {
    await recordAuthFailure(prisma, source.pair, "sign_in", now);
    await recordAuthFailure(prisma, source.email, "sign_in", now);
    await recordAuthFailure(prisma, source.address, "sign_in", now);
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
