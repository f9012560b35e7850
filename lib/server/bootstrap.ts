// Start-up tasks that make a fresh database usable: quick-start environments, the default policy,
// a signing key, and the first admin (from the environment, or a one-time setup link).
import type { PrismaClient } from "../db";
import type { Config } from "../env";
import { SYSTEM } from "../actors";
import { seedEnvironments } from "../environments";
import { seedPolicy } from "../policy/store";
import { ensureSigningKey } from "../grants";
import { ensureAdminFromEnv, issueSetupToken } from "../users/setup";
import { log } from "../log";

export interface BootstrapResult {
  /** Present when no user exists: the one-time link to create the first admin. */
  setupUrl?: string;
}

/** Seeds what every database needs. Idempotent; the server and the CLI both call it. */
export async function prepareDatabase(prisma: PrismaClient, cfg: Config): Promise<void> {
  await seedEnvironments(prisma, SYSTEM);
  await seedPolicy(prisma, SYSTEM);
  await ensureSigningKey(prisma, cfg);
  if (cfg.adminEmail && cfg.adminPassword) {
    if (await ensureAdminFromEnv(prisma, cfg.adminEmail, cfg.adminPassword)) {
      log.info("created the first admin from COUNTERSIGN_ADMIN_EMAIL", { email: cfg.adminEmail });
    }
  }
}

/** The server's start-up: prepare the database, then offer a setup link if nobody can sign in. */
export async function bootstrap(prisma: PrismaClient, cfg: Config): Promise<BootstrapResult> {
  await prepareDatabase(prisma, cfg);
  const token = await issueSetupToken(prisma);
  if (!token) return {};
  const setupUrl = `${cfg.publicUrl}/setup?token=${token}`;
  return { setupUrl };
}
