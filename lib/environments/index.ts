// Environments and their tier. A name that is not defined counts as production (fail closed).
import { z } from "zod";
import type { PrismaClient } from "../db";
import { appendAudit } from "../audit";
import type { Actor } from "../actors";
import { AppError, isUniqueViolation } from "../errors";
import { parseInput } from "../validate";
import { ENVIRONMENT_NAME } from "../operations/schema";
import { globMatch } from "../policy/glob";

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
    .regex(ENVIRONMENT_NAME, "letters, digits, '.', '_' and '-' only"),
  tier: z.enum(TIERS),
  description: z.string().trim().max(500).default(""),
});
export type CreateEnvironment = z.input<typeof CreateEnvironment>;

export async function listEnvironments(prisma: PrismaClient) {
  return prisma.environment.findMany({ orderBy: { name: "asc" } });
}

/**
 * The defined environment whose name equals `name` but for case, if any. Names are case-sensitive
 * everywhere (policy rules, agents' allow-lists, tiers), so a name that differs from a defined one
 * only by case is refused rather than read as a different, undefined environment.
 */
export async function caseVariantOf(prisma: PrismaClient, name: string): Promise<string | null> {
  const env = await prisma.environment.findFirst({ where: { name: { equals: name, mode: "insensitive" }, NOT: { name } }, select: { name: true } });
  return env?.name ?? null;
}

export async function tierOf(prisma: PrismaClient, name: string): Promise<Tier> {
  const env = await prisma.environment.findUnique({ where: { name } });
  return env?.tier ?? "production";
}

export async function createEnvironment(prisma: PrismaClient, input: CreateEnvironment, actor: Actor) {
  const data = parseInput(CreateEnvironment, input);
  const variant = await caseVariantOf(prisma, data.name);
  if (variant) throw new AppError("already_exists", `Environment ${variant} already exists; names differing only by case would be confused.`);
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

export const EnvironmentBindings = z.strictObject({
  /** HTTP hosts (globs, lower-case) whose calls belong to the environment. */
  hosts: z.array(z.string().trim().toLowerCase().min(1).max(253).regex(/^[a-z0-9*.-]+$/, "a host name or a glob of one")).max(100),
  /** Resource names (globs) that belong to the environment. */
  resourcePatterns: z.array(z.string().trim().min(1).max(200)).max(100),
});
export type EnvironmentBindings = z.input<typeof EnvironmentBindings>;

/** Declares which hosts and resource names belong to an environment, whatever an agent says. */
export async function setEnvironmentBindings(prisma: PrismaClient, name: string, input: EnvironmentBindings, actor: Actor) {
  const data = parseInput(EnvironmentBindings, input);
  const env = await prisma.environment.findUnique({ where: { name } });
  if (!env) throw new AppError("not_found", `No environment named ${name}.`);
  return prisma.$transaction(async (tx) => {
    const updated = await tx.environment.update({ where: { name }, data });
    await appendAudit(tx, { type: "environment.bindings_changed", actor, subject: { type: "environment", id: name }, data });
    return updated;
  });
}

export interface BoundEnvironment {
  environment: string;
  /** What binds it: the resource's registration, a declared resource pattern or a declared host. */
  source: "registration" | "resource pattern" | "host";
}

/**
 * The environment an operation belongs to whatever its target claims: the registration of the
 * resource it names, else an environment that declared its resource name or (for HTTP) its host.
 * Where declarations disagree, a production-tier environment wins (fail closed).
 */
export async function boundEnvironment(prisma: PrismaClient, operation: BindableOperation): Promise<BoundEnvironment | null> {
  const registered = await prisma.resource.findUnique({ where: { name: operation.target.resource }, select: { environment: true } });
  if (registered) return { environment: registered.environment, source: "registration" };
  const declared = await prisma.environment.findMany({
    where: { OR: [{ NOT: { hosts: { isEmpty: true } } }, { NOT: { resourcePatterns: { isEmpty: true } } }] },
    orderBy: { name: "asc" },
  });
  return bindingOf(null, declared, operation);
}

type BindableOperation = { kind: string; target: { resource: string }; url?: string };
export interface DeclaredEnvironment {
  name: string;
  tier: Tier;
  hosts: string[];
  resourcePatterns: string[];
}

/**
 * boundEnvironment's rule on values already read: the registered resource's environment (or null
 * when the name is not registered) and the environments, in name order, that declared hosts or
 * resource patterns (others are ignored).
 */
export function bindingOf(registeredIn: string | null, environments: DeclaredEnvironment[], operation: BindableOperation): BoundEnvironment | null {
  if (registeredIn !== null) return { environment: registeredIn, source: "registration" };
  const declared = environments.filter((env) => env.hosts.length > 0 || env.resourcePatterns.length > 0);
  if (declared.length === 0) return null;
  let host: string | null = null;
  if (operation.kind === "http" && operation.url) {
    try {
      host = new URL(operation.url).hostname.toLowerCase().replace(/\.$/, "");
    } catch {
      host = null;
    }
  }
  const matches: Array<BoundEnvironment & { tier: Tier }> = [];
  for (const env of declared) {
    if (env.resourcePatterns.some((p) => globMatch(p, operation.target.resource))) matches.push({ environment: env.name, source: "resource pattern", tier: env.tier });
    else if (host && env.hosts.some((p) => globMatch(p, host))) matches.push({ environment: env.name, source: "host", tier: env.tier });
  }
  const chosen = matches.find((m) => m.tier === "production") ?? matches[0];
  return chosen ? { environment: chosen.environment, source: chosen.source } : null;
}
