// Reviewers: people who sign in to the dashboard.
import { z } from "zod";
import type { PrismaClient } from "../db";
import { appendAudit } from "../audit";
import type { Actor } from "../actors";
import { AppError, isUniqueViolation } from "../errors";
import { parseInput, isUuid } from "../validate";
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from "./password";
import { ROLES, type Role } from "./roles";

export { hasRole, ROLES, type Role } from "./roles";
export { MIN_PASSWORD_LENGTH } from "./password";

export const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
export const Password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024);

export const CreateUser = z.object({
  email: Email,
  name: z.string().trim().max(200).optional(),
  role: z.enum(ROLES),
  password: Password.optional(),
});
export type CreateUser = z.input<typeof CreateUser>;

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabledAt: Date | null;
  createdAt: Date;
}

const userView = { id: true, email: true, name: true, role: true, disabledAt: true, createdAt: true } as const;

export async function createUser(prisma: PrismaClient, input: CreateUser, actor: Actor): Promise<UserView> {
  const data = parseInput(CreateUser, input);
  const passwordHash = data.password ? await hashPassword(data.password) : null;
  try {
    return await prisma.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: data.email, name: data.name || null, role: data.role, passwordHash },
        select: userView,
      });
      await appendAudit(tx, {
        type: "user.created",
        actor,
        subject: { type: "user", id: user.id },
        data: { email: user.email, role: user.role },
      });
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("already_exists", `A user with email ${data.email} already exists.`);
    throw error;
  }
}

export async function findUserByEmail(prisma: PrismaClient, email: string): Promise<UserView | null> {
  return prisma.user.findUnique({ where: { email: email.toLowerCase() }, select: userView });
}

export async function getUser(prisma: PrismaClient, id: string): Promise<UserView | null> {
  if (!isUuid(id)) return null;
  return prisma.user.findUnique({ where: { id }, select: userView });
}

export async function listUsers(prisma: PrismaClient): Promise<UserView[]> {
  return prisma.user.findMany({ select: userView, orderBy: { email: "asc" } });
}

export async function countUsers(prisma: PrismaClient): Promise<number> {
  return prisma.user.count();
}

async function requireUser(prisma: PrismaClient, email: string) {
  const user = await prisma.user.findUnique({ where: { email: email.toLowerCase() } });
  if (!user) throw new AppError("not_found", `No user with email ${email}.`);
  return user;
}

export async function setUserRole(prisma: PrismaClient, email: string, role: Role, actor: Actor): Promise<UserView> {
  parseInput(z.enum(ROLES), role);
  const user = await requireUser(prisma, email);
  return prisma.$transaction(async (tx) => {
    const updated = await tx.user.update({ where: { id: user.id }, data: { role }, select: userView });
    await appendAudit(tx, {
      type: "user.role_changed",
      actor,
      subject: { type: "user", id: user.id },
      data: { email: user.email, from: user.role, to: role },
    });
    return updated;
  });
}

export async function setUserDisabled(
  prisma: PrismaClient,
  email: string,
  disabled: boolean,
  actor: Actor,
): Promise<UserView> {
  const user = await requireUser(prisma, email);
  return prisma.$transaction(async (tx) => {
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { disabledAt: disabled ? new Date() : null },
      select: userView,
    });
    await appendAudit(tx, {
      type: disabled ? "user.disabled" : "user.enabled",
      actor,
      subject: { type: "user", id: user.id },
      data: { email: user.email },
    });
    return updated;
  });
}

export async function setUserPassword(prisma: PrismaClient, email: string, password: string, actor: Actor) {
  parseInput(Password, password);
  const user = await requireUser(prisma, email);
  const passwordHash = await hashPassword(password);
  await prisma.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await appendAudit(tx, { type: "user.password_set", actor, subject: { type: "user", id: user.id }, data: {} });
  });
}

/** Checks an email and password. Returns the user, or null for any failure (no hint which part was wrong). */
export async function authenticateUser(prisma: PrismaClient, email: string, password: string): Promise<UserView | null> {
  const user = await prisma.user.findUnique({ where: { email: email.toLowerCase() } });
  // Verify against a dummy hash when the user is missing so timing does not reveal who exists.
  const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
  if (!user || !ok || user.disabledAt) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, disabledAt: null, createdAt: user.createdAt };
}

const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$fSbBPpN8K3MKno8i4sDhDw$vDbjP9BDdk6gWOhyAOiYdrN2cjkN8LkHejhAw+zfFkU";
