// Resources: the databases Countersign's built-in executor runs statements on, and the HTTP APIs its
// credential broker calls. The connection URL or credential is encrypted at rest and decrypted
// only inside the server to connect; it never appears in a response, a log line or an audit row.
import type { PrismaClient } from "../db";
import { TX_OPTIONS } from "../db";
import type { Config } from "../env";
import type { Actor } from "../actors";
import { appendAudit } from "../audit";
import { AppError, isUniqueViolation } from "../errors";
import { fieldErrors } from "../validate";
import { globMatch } from "../policy/glob";
import { HttpConfig, McpConfig, PostgresUrl, RegisterHttpResource, RegisterMcpResource, RegisterPostgresResource, type RegisterResource, formatHttpAuth } from "./schema";
import { decryptSecret, encryptSecret } from "./secret";

export { RegisterResource, PostgresUrl, RESOURCE_NAME, HttpConfig, McpConfig, parseHttpAuth, formatHttpAuth, RESOURCE_KINDS, type ResourceKind } from "./schema";
export { encryptSecret, decryptSecret, ResourceSecretError } from "./secret";

/** A resource as anything outside the executor sees it: never the connection URL. */
export interface ResourceView {
  id: string;
  name: string;
  environment: string;
  kind: string;
  description: string;
  /** HTTP resources: where calls go and how (never the credential). */
  http?: HttpConfig;
  /** Upstream MCP servers: how Countersign reaches them (never their secrets). */
  mcp?: McpConfig;
  createdAt: string;
  updatedAt: string;
}

const VIEW_SELECT = { id: true, name: true, environment: true, kind: true, description: true, config: true, createdAt: true, updatedAt: true } as const;

function toView(row: { id: string; name: string; environment: string; kind: string; description: string; config: unknown; createdAt: Date; updatedAt: Date }): ResourceView {
  const http = row.kind === "http" ? HttpConfig.safeParse(row.config) : null;
  const mcp = row.kind === "mcp" ? McpConfig.safeParse(row.config) : null;
  return {
    id: row.id,
    name: row.name,
    environment: row.environment,
    kind: row.kind,
    description: row.description,
    ...(http?.success ? { http: http.data } : {}),
    ...(mcp?.success ? { mcp: mcp.data } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function registerResource(prisma: PrismaClient, cfg: Config, input: RegisterResource, actor: Actor): Promise<ResourceView> {
  // One kind's schema at a time, so the field errors name that kind's fields.
  const kind = (input as { kind?: unknown })?.kind;
  const parsed = (kind === "http" ? RegisterHttpResource : kind === "mcp" ? RegisterMcpResource : RegisterPostgresResource).safeParse(input);
  // The field errors name fields and rules only; zod does not echo the rejected value.
  if (!parsed.success) throw new AppError("validation_failed", "The resource is not valid.", fieldErrors(parsed.error));
  const { name, environment, description } = parsed.data;
  const secret = parsed.data.kind === "postgres" ? parsed.data.connectionUrl : parsed.data.secret;
  const connectionUrlEnc = encryptSecret(secret, cfg.authSecret, name);
  const http = parsed.data.kind === "http" ? HttpConfig.parse(pickHttpConfig(parsed.data)) : null;
  try {
    const row = await prisma.$transaction(async (tx) => {
      const created = await tx.resource.create({
        data: {
          name,
          environment,
          kind: parsed.data.kind,
          connectionUrlEnc,
          description,
          ...(http ? { config: http } : parsed.data.kind === "mcp" ? { config: parsed.data.config } : {}),
        },
        select: VIEW_SELECT,
      });
      await appendAudit(tx, {
        type: "resource.registered",
        actor,
        subject: { type: "resource", id: created.id },
        data: {
          name,
          environment,
          kind: parsed.data.kind,
          ...(http
            ? {
                baseUrl: http.baseUrl,
                auth: formatHttpAuth(http.auth),
                allowedMethods: http.allowedMethods,
                allowedPathPrefixes: http.allowedPathPrefixes,
                allowPrivateNetwork: http.allowPrivateNetwork,
                catalog: http.catalog,
              }
            : parsed.data.kind === "mcp"
              ? { transport: parsed.data.config.transport, ...(parsed.data.config.transport === "stdio" ? { command: parsed.data.config.command } : { url: parsed.data.config.url }) }
              : {}),
        },
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

/**
 * The resources an agent can name: those in environments it may target whose names match its
 * resource patterns, without anything
 * about the connection. Others are not listed, as an agent cannot use them.
 */
export async function listResourcesForAgent(
  prisma: PrismaClient,
  agent: { environments: string[]; resources: string[] },
): Promise<Array<Pick<ResourceView, "name" | "environment" | "kind" | "description">>> {
  const resources = await listResources(prisma);
  return resources
    .filter((r) => agent.environments.some((pattern) => globMatch(pattern, r.environment)))
    .filter((r) => agent.resources.some((pattern) => globMatch(pattern, r.name)))
    .map(({ name, environment, kind, description }) => ({ name, environment, kind, description }));
}

/**
 * The resource an agent names, only if its environment and name match the agent's patterns:
 * otherwise it answers exactly like a missing one, so an agent cannot learn what is registered
 * outside what it may target (as `listResourcesForAgent`).
 */
export async function getResourceForAgent(
  prisma: PrismaClient,
  agent: { environments: string[]; resources: string[] },
  name: string,
): Promise<ResourceView> {
  const resource = await getResource(prisma, name);
  const visible = agent.environments.some((p) => globMatch(p, resource.environment)) && agent.resources.some((p) => globMatch(p, resource.name));
  if (!visible) throw new AppError("not_found", "No such resource.");
  return resource;
}

export async function getResource(prisma: PrismaClient, name: string): Promise<ResourceView> {
  const row = await prisma.resource.findUnique({ where: { name }, select: VIEW_SELECT });
  if (!row) throw new AppError("not_found", "No such resource.");
  return toView(row);
}

/**
 * Replaces a resource's connection URL (a rotated password, a moved database). The audit row names
 * which parts changed — never their values.
 */
export async function updateResourceConnection(prisma: PrismaClient, cfg: Config, name: string, connectionUrl: string, actor: Actor): Promise<ResourceView> {
  const row = await prisma.$transaction(async (tx) => {
    const existing = await tx.resource.findUnique({ where: { name } });
    if (!existing) throw new AppError("not_found", `No resource named ${name}.`);
    if (existing.kind === "http" || existing.kind === "mcp") {
      // An HTTP resource's credential: replaced whole; the audit row says only that it changed.
      if ((existing.kind === "http" && connectionUrl.length < 1) || connectionUrl.length > 16 * 1024) throw new AppError("validation_failed", "The credential is not valid.", [{ field: "secret", message: "1 to 16384 characters" }]);
      const updated = await tx.resource.update({ where: { id: existing.id }, data: { connectionUrlEnc: encryptSecret(connectionUrl, cfg.authSecret, name) }, select: VIEW_SELECT });
      await appendAudit(tx, { type: "resource.connection_updated", actor, subject: { type: "resource", id: existing.id }, data: { name, changed: ["secret"] } });
      return updated;
    }
    const parsed = PostgresUrl.safeParse(connectionUrl);
    if (!parsed.success) throw new AppError("validation_failed", "The connection URL is not valid.", fieldErrors(parsed.error, "connectionUrl"));
    let previous: string | null = null;
    try {
      previous = decryptSecret(existing.connectionUrlEnc, cfg.authSecret, name);
    } catch {
      // Unreadable under this AUTH_SECRET: replacing it is exactly how an admin recovers.
    }
    const updated = await tx.resource.update({
      where: { id: existing.id },
      data: { connectionUrlEnc: encryptSecret(parsed.data, cfg.authSecret, name) },
      select: VIEW_SELECT,
    });
    await appendAudit(tx, {
      type: "resource.connection_updated",
      actor,
      subject: { type: "resource", id: existing.id },
      data: previous === null ? { name, changed: null, previousUnreadable: true } : { name, changed: changedParts(previous, parsed.data) },
    });
    return updated;
  }, TX_OPTIONS);
  return toView(row);
}

/** Names the parts of a connection URL that differ, so the audit log says what kind of change it was. */
function changedParts(before: string, after: string): string[] {
  const a = new URL(before);
  const b = new URL(after);
  const parts: Array<[string, string, string]> = [
    ["user", a.username, b.username],
    ["password", a.password, b.password],
    ["host", a.hostname, b.hostname],
    ["port", a.port, b.port],
    ["database", a.pathname, b.pathname],
    ["options", a.search, b.search],
  ];
  return parts.filter(([, x, y]) => x !== y).map(([part]) => part);
}

/**
 * Removes a resource: the executor can no longer reach it. Past requests naming it keep their
 * history; a resource registered later under the same name is a new resource with a new id.
 */
export async function removeResource(prisma: PrismaClient, name: string, actor: Actor): Promise<ResourceView> {
  const row = await prisma.$transaction(async (tx) => {
    const existing = await tx.resource.findUnique({ where: { name }, select: VIEW_SELECT });
    if (!existing) throw new AppError("not_found", `No resource named ${name}.`);
    await tx.resource.delete({ where: { id: existing.id } });
    await appendAudit(tx, {
      type: "resource.removed",
      actor,
      subject: { type: "resource", id: existing.id },
      data: { name, environment: existing.environment, kind: existing.kind },
    });
    return existing;
  }, TX_OPTIONS);
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

/** An HTTP resource's settings and decrypted credential, for the broker only. */
export async function httpResourceSecret(prisma: PrismaClient, cfg: Config, name: string): Promise<{ resource: ResourceView & { http: HttpConfig }; secret: string }> {
  const { resource, connectionUrl } = await resourceConnection(prisma, cfg, name);
  if (resource.kind !== "http" || !resource.http) throw new AppError("not_found", "No such HTTP resource.");
  return { resource: resource as ResourceView & { http: HttpConfig }, secret: connectionUrl };
}

function pickHttpConfig(input: HttpConfig): HttpConfig {
  const { baseUrl, auth, allowedMethods, allowedPathPrefixes, allowPrivateNetwork, timeoutSeconds, catalog } = input;
  return { baseUrl, auth, allowedMethods, allowedPathPrefixes, allowPrivateNetwork, timeoutSeconds, catalog };
}
