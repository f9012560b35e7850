// The first admin. Never "first visitor becomes admin": either COUNTERSIGN_ADMIN_EMAIL/PASSWORD at
// start-up, the CLI, or a one-time setup link printed in the server log when no user exists —
// valid for one hour and until used, renewed at each start.
import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "../db";
import { appendAudit } from "../audit";
import type { Actor } from "../actors";
import { AppError } from "../errors";
import { parseInput } from "../validate";
import { hashPassword } from "./password";
import { Email, Password } from ".";

export const SETUP_TOKEN_TTL_MS = 60 * 60 * 1000;

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Issues a new setup token (voiding earlier unused ones) when no user exists; returns it, or null. */
export async function issueSetupToken(prisma: PrismaClient, now = new Date()): Promise<string | null> {
  if ((await prisma.user.count()) > 0) return null;
  const token = randomBytes(24).toString("base64url");
  await prisma.$transaction(async (tx) => {
    await tx.setupToken.updateMany({ where: { usedAt: null }, data: { expiresAt: now } });
    await tx.setupToken.create({
      data: { tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + SETUP_TOKEN_TTL_MS) },
    });
    await appendAudit(tx, { type: "setup.link_issued", actor: { type: "system" }, data: {} });
  });
  return token;
}

export async function setupTokenIsValid(prisma: PrismaClient, token: string, now = new Date()): Promise<boolean> {
  const row = await prisma.setupToken.findUnique({ where: { tokenHash: hashToken(token) } });
  return Boolean(row && !row.usedAt && row.expiresAt > now && (await prisma.user.count()) === 0);
}

function invalidSetupLink(): AppError {
  return new AppError("forbidden", "This setup link is invalid, expired or already used. Restart the server for a new one.");
}

/** Creates the first admin with a setup token. The token is single-use and only works while no user exists. */
export async function completeSetup(
  prisma: PrismaClient,
  input: { token: string; email: string; password: string; name?: string },
  now = new Date(),
) {
  // The token first: a guess costs one indexed read, never a password hash (argon2 is slow on
  // purpose, so hashing first would hand out free CPU to anyone holding the setup page's URL).
  if (!(await setupTokenIsValid(prisma, input.token, now))) throw invalidSetupLink();
  const email = parseInput(Email, input.email);
  parseInput(Password, input.password);
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    // Lock the token row so two submissions cannot both succeed.
    const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT id FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 FOR UPDATE`,
      hashToken(input.token),
      now,
    );
    if (rows.length === 0 || (await tx.user.count()) > 0) {
      throw invalidSetupLink();
    }
    await tx.setupToken.update({ where: { id: rows[0].id }, data: { usedAt: now } });
    const user = await tx.user.create({
      data: { email, name: input.name?.trim() || null, role: "admin", passwordHash },
      select: { id: true, email: true, role: true },
    });
    const actor: Actor = { type: "user", id: user.id };
    await appendAudit(tx, { type: "user.created", actor, subject: { type: "user", id: user.id }, data: { email, role: "admin", via: "setup_link" } });
    return user;
  });
}

/** Creates the admin named by COUNTERSIGN_ADMIN_EMAIL/PASSWORD unless that user already exists. */
export async function ensureAdminFromEnv(prisma: PrismaClient, email: string, password: string): Promise<boolean> {
  const existing = await prisma.user.findUnique({ where: { email: email.toLowerCase() } });
  if (existing) return false;
  const passwordHash = await hashPassword(password);
  await prisma.$transaction(async (tx) => {
    const user = await tx.user.create({ data: { email: email.toLowerCase(), role: "admin", passwordHash } });
    await appendAudit(tx, {
      type: "user.created",
      actor: { type: "system" },
      subject: { type: "user", id: user.id },
      data: { email: user.email, role: "admin", via: "environment" },
    });
  });
  return true;
}
