// Environments and their tier. A name that is not defined counts as production (fail closed).
import { z } from "zod";
import type { PrismaClient } from "../db";
import { appendAudit } from "../audit";
import type { Actor } from "../actors";
import { AppError, isUniqueViolation } from "../errors";
import { parseInput } from "../validate";

export const TIERS = ["production", "other"] as const;
export type Tier = (typeof TIERS)[number];

export const DEFAULT_ENVIRONMENTS: { name: string; tier: Tier; description: string }[] = [
  { name: "production", tier: "production", description: "Live systems and customer data" },
  { name: "staging", tier: "other", description: "Pre-production" },
  { name: "development", tier: "other", description: "Developers' environments" },
];

export const CreateEnvironment = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only"),
  tier: z.enum(TIERS),
  description: z.string().trim().max(500).default(""),
});
export type CreateEnvironment = z.input<typeof CreateEnvironment>;

export async function listEnvironments(prisma: PrismaClient) {
  return prisma.environment.findMany({ orderBy: { name: "asc" } });
}

export async function tierOf(prisma: PrismaClient, name: string): Promise<Tier> {
  const env = await prisma.environment.findUnique({ where: { name } });
  return env?.tier ?? "production";
}

export async function createEnvironment(prisma: PrismaClient, input: CreateEnvironment, actor: Actor) {
  const data = parseInput(CreateEnvironment, input);
  try {
    return await prisma.$transaction(async (tx) => {
      const env = await tx.environment.create({ data });
      await appendAudit(tx, { type: "environment.created", actor, subject: { type: "environment", id: env.name }, data: { tier: env.tier } });
      return env;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("already_exists", `Environment ${data.name} already exists.`);
    throw error;
  }
}

export async function setEnvironmentTier(prisma: PrismaClient, name: string, tier: Tier, actor: Actor) {
  parseInput(z.enum(TIERS), tier);
  const env = await prisma.environment.findUnique({ where: { name } });
  if (!env) throw new AppError("not_found", `No environment named ${name}.`);
  return prisma.$transaction(async (tx) => {
    const updated = await tx.environment.update({ where: { name }, data: { tier } });
    await appendAudit(tx, { type: "environment.tier_changed", actor, subject: { type: "environment", id: name }, data: { from: env.tier, to: tier } });
    return updated;
  });
}

/** Creates the quick-start environments that do not exist yet. */
export async function seedEnvironments(prisma: PrismaClient, actor: Actor): Promise<void> {
  const existing = await prisma.environment.count();
  if (existing > 0) return;
  await prisma
    .$transaction(async (tx) => {
    for (const env of DEFAULT_ENVIRONMENTS) {
      await tx.environment.create({ data: env });
      await appendAudit(tx, { type: "environment.created", actor, subject: { type: "environment", id: env.name }, data: { tier: env.tier, seeded: true } });
    }
  })
    .catch((error) => {
      // Another instance seeded them at the same moment.
      if (!isUniqueViolation(error)) throw error;
    });
}
