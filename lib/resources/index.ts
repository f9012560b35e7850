// Resources: the databases Countersign's built-in executor runs statements on. The connection URL
// is encrypted at rest and decrypted only inside the server to connect; it never appears in a
// response, a log line or an audit row.
import type { PrismaClient } from "../db";
import { TX_OPTIONS } from "../db";
import type { Config } from "../env";
import type { Actor } from "../actors";
import { appendAudit } from "../audit";
import { AppError, isUniqueViolation } from "../errors";
import { fieldErrors } from "../validate";
import { RegisterResource } from "./schema";
import { decryptSecret, encryptSecret } from "./secret";

export { RegisterResource, PostgresUrl, RESOURCE_NAME } from "./schema";
export { encryptSecret, decryptSecret, ResourceSecretError } from "./secret";

/** A resource as anything outside the executor sees it: never the connection URL. */
export interface ResourceView {
  id: string;
  name: string;
  environment: string;
  kind: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

const VIEW_SELECT = { id: true, name: true, environment: true, kind: true, description: true, createdAt: true, updatedAt: true } as const;

function toView(row: { id: string; name: string; environment: string; kind: string; description: string; createdAt: Date; updatedAt: Date }): ResourceView {
  return {
    id: row.id,
    name: row.name,
    environment: row.environment,
    kind: row.kind,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function registerResource(prisma: PrismaClient, cfg: Config, input: RegisterResource, actor: Actor): Promise<ResourceView> {
  const parsed = RegisterResource.safeParse(input);
  // The field errors name fields and rules only; zod does not echo the rejected value.
  if (!parsed.success) throw new AppError("validation_failed", "The resource is not valid.", fieldErrors(parsed.error));
  const { name, environment, connectionUrl, description } = parsed.data;
  const connectionUrlEnc = encryptSecret(connectionUrl, cfg.authSecret, name);
  try {
    const row = await prisma.$transaction(async (tx) => {
      const created = await tx.resource.create({
        data: { name, environment, kind: "postgres", connectionUrlEnc, description },
        select: VIEW_SELECT,
      });
      await appendAudit(tx, {
        type: "resource.registered",
        actor,
        subject: { type: "resource", id: created.id },
        data: { name, environment, kind: "postgres" },
      });
      return created;
    }, TX_OPTIONS);
    return toView(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("already_exists", `A resource named ${name} already exists.`);
    throw error;
  }
}

export async function listResources(prisma: PrismaClient): Promise<ResourceView[]> {
  const rows = await prisma.resource.findMany({ select: VIEW_SELECT, orderBy: { name: "asc" } });
  return rows.map(toView);
}

export async function getResource(prisma: PrismaClient, name: string): Promise<ResourceView> {
  const row = await prisma.resource.findUnique({ where: { name }, select: VIEW_SELECT });
  if (!row) throw new AppError("not_found", "No such resource.");
  return toView(row);
}

/**
 * The resource and its decrypted connection URL, for the executor only: server-side, never
 * returned, logged or audited.
 */
export async function resourceConnection(prisma: PrismaClient, cfg: Config, name: string): Promise<{ resource: ResourceView; connectionUrl: string }> {
  const row = await prisma.resource.findUnique({ where: { name } });
  if (!row) throw new AppError("not_found", "No such resource.");
  return { resource: toView(row), connectionUrl: decryptSecret(row.connectionUrlEnc, cfg.authSecret, row.name) };
}
