// Agents: machine identities with their own keys, scoped to environments and actions.
import { z } from "zod";
import { BURST_GATHER_MS, batcherFor, createBatcher, type Batcher } from "../db/batch";
import { rawSql, type PrismaClient } from "../db";
import { appendAudit } from "../audit";
import type { Actor } from "../actors";
import { AppError, isUniqueViolation } from "../errors";
import { parseInput, isUuid } from "../validate";
import { generateKey, keyMatches, parseKey } from "./keys";

export const SCOPES = ["requests:create", "requests:read", "grants:redeem"] as const;
export type Scope = (typeof SCOPES)[number];
export const DEFAULT_SCOPES: Scope[] = ["requests:create", "requests:read"];

const Name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only");
const EnvironmentName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9*][A-Za-z0-9._*-]*$/, "letters, digits, '.', '_', '-' and '*' only");
// Resource names carry a kind and a path ("postgres/main", "s3://backups"): any printable ASCII
// but spaces and commas (the CLI's list separator), with '*' as the wildcard.
const ResourcePattern = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x2b\x2d-\x7e]+$/, "printable characters only, no spaces or commas ('*' matches anything)");

export const CreateAgent = z.object({
  name: Name,
  description: z.string().trim().max(2000).default(""),
  ownerId: z.uuid().nullish(),
  environments: z.array(EnvironmentName).min(1, "name at least one environment"),
  resources: z.array(ResourcePattern).min(1, "name at least one resource pattern").default(["*"]),
  scopes: z.array(z.enum(SCOPES)).min(1).default(DEFAULT_SCOPES),
  keyLabel: z.string().trim().max(100).default("default"),
  keyExpiresAt: z.coerce.date().nullish(),
});
export type CreateAgent = z.input<typeof CreateAgent>;

export interface AgentView {
  id: string;
  name: string;
  description: string;
  ownerId: string | null;
  environments: string[];
  resources: string[];
  scopes: string[];
  disabledAt: Date | null;
  createdAt: Date;
}

export interface AgentKeyView {
  id: string;
  agentId: string;
  lookupId: string;
  label: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

const agentView = {
  id: true,
  name: true,
  description: true,
  ownerId: true,
  environments: true,
  resources: true,
  scopes: true,
  disabledAt: true,
  createdAt: true,
} as const;
const keyView = {
  id: true,
  agentId: true,
  lookupId: true,
  label: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
} as const;

export interface IssuedKey {
  key: AgentKeyView;
  /** The key itself: shown once, never stored. */
  plaintext: string;
}

export async function createAgent(
  prisma: PrismaClient,
  input: CreateAgent,
  actor: Actor,
): Promise<{ agent: AgentView } & IssuedKey> {
  const data = parseInput(CreateAgent, input);
  if (data.ownerId) {
    const owner = await prisma.user.findUnique({ where: { id: data.ownerId } });
    if (!owner) throw new AppError("validation_failed", "The owner does not exist.", [{ field: "ownerId", message: "no such user" }]);
  }
  const secret = generateKey();
  try {
    return await prisma.$transaction(async (tx) => {
      const agent = await tx.agent.create({
        data: {
          name: data.name,
          description: data.description,
          ownerId: data.ownerId ?? null,
          environments: [...new Set(data.environments)],
          resources: [...new Set(data.resources)],
          scopes: [...new Set(data.scopes)],
        },
        select: agentView,
      });
      const key = await tx.agentKey.create({
        data: {
          agentId: agent.id,
          lookupId: secret.lookupId,
          secretHash: secret.secretHash,
          label: data.keyLabel,
          expiresAt: data.keyExpiresAt ?? null,
        },
        select: keyView,
      });
      await appendAudit(tx, {
        type: "agent.created",
        actor,
        subject: { type: "agent", id: agent.id },
        data: { name: agent.name, ownerId: agent.ownerId, environments: agent.environments, resources: agent.resources, scopes: agent.scopes },
      });
      await appendAudit(tx, {
        type: "agent.key_created",
        actor,
        subject: { type: "agent", id: agent.id },
        data: { keyId: key.id, lookupId: key.lookupId, label: key.label, expiresAt: key.expiresAt?.toISOString() ?? null },
      });
      return { agent, key, plaintext: secret.plaintext };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("already_exists", `An agent named ${data.name} already exists.`);
    throw error;
  }
}

export async function findAgent(prisma: PrismaClient, nameOrId: string): Promise<AgentView | null> {
  const byId = isUuid(nameOrId);
  return prisma.agent.findUnique({ where: byId ? { id: nameOrId } : { name: nameOrId }, select: agentView });
}

async function requireAgent(prisma: PrismaClient, nameOrId: string): Promise<AgentView> {
  const agent = await findAgent(prisma, nameOrId);
  if (!agent) throw new AppError("not_found", `No agent named ${nameOrId}.`);
  return agent;
}

export async function listAgents(prisma: PrismaClient) {
  return prisma.agent.findMany({
    select: { ...agentView, quarantinedAt: true, quarantineReason: true, owner: { select: { id: true, email: true } }, keys: { select: keyView, orderBy: { createdAt: "desc" } } },
    orderBy: { name: "asc" },
  });
}

export const UpdateAgent = z.object({
  description: z.string().trim().max(2000).optional(),
  ownerId: z.uuid().nullish(),
  environments: z.array(EnvironmentName).min(1).optional(),
  resources: z.array(ResourcePattern).min(1).optional(),
  scopes: z.array(z.enum(SCOPES)).min(1).optional(),
});
export type UpdateAgent = z.input<typeof UpdateAgent>;

export async function updateAgent(prisma: PrismaClient, nameOrId: string, input: UpdateAgent, actor: Actor): Promise<AgentView> {
  const data = parseInput(UpdateAgent, input);
  const agent = await requireAgent(prisma, nameOrId);
  return prisma.$transaction(async (tx) => {
    const updated = await tx.agent.update({
      where: { id: agent.id },
      data: {
        description: data.description,
        ownerId: data.ownerId === undefined ? undefined : data.ownerId,
        environments: data.environments ? [...new Set(data.environments)] : undefined,
        resources: data.resources ? [...new Set(data.resources)] : undefined,
        scopes: data.scopes ? [...new Set(data.scopes)] : undefined,
      },
      select: agentView,
    });
    await appendAudit(tx, {
      type: "agent.updated",
      actor,
      subject: { type: "agent", id: agent.id },
      data: { name: agent.name, changes: JSON.parse(JSON.stringify(data)) },
    });
    return updated;
  });
}

export async function setAgentDisabled(prisma: PrismaClient, nameOrId: string, disabled: boolean, actor: Actor): Promise<AgentView> {
  const agent = await requireAgent(prisma, nameOrId);
  return prisma.$transaction(async (tx) => {
    const updated = await tx.agent.update({
      where: { id: agent.id },
      data: { disabledAt: disabled ? new Date() : null },
      select: agentView,
    });
    await appendAudit(tx, {
      type: disabled ? "agent.disabled" : "agent.enabled",
      actor,
      subject: { type: "agent", id: agent.id },
      data: { name: agent.name },
    });
    return updated;
  });
}

export async function createAgentKey(
  prisma: PrismaClient,
  nameOrId: string,
  options: { label?: string; expiresAt?: Date | null },
  actor: Actor,
): Promise<IssuedKey> {
  const agent = await requireAgent(prisma, nameOrId);
  const secret = generateKey();
  return prisma.$transaction(async (tx) => {
    const key = await tx.agentKey.create({
      data: {
        agentId: agent.id,
        lookupId: secret.lookupId,
        secretHash: secret.secretHash,
        label: options.label?.trim() || "key",
        expiresAt: options.expiresAt ?? null,
      },
      select: keyView,
    });
    await appendAudit(tx, {
      type: "agent.key_created",
      actor,
      subject: { type: "agent", id: agent.id },
      data: { keyId: key.id, lookupId: key.lookupId, label: key.label, expiresAt: key.expiresAt?.toISOString() ?? null },
    });
    return { key, plaintext: secret.plaintext };
  });
}

/** Revokes a key by its id or its lookup id (the hex part after `csk_`). */
export async function revokeAgentKey(prisma: PrismaClient, keyIdOrLookupId: string, actor: Actor): Promise<AgentKeyView> {
  const byId = isUuid(keyIdOrLookupId);
  const key = await prisma.agentKey.findUnique({
    where: byId ? { id: keyIdOrLookupId } : { lookupId: keyIdOrLookupId },
    select: keyView,
  });
  if (!key) throw new AppError("not_found", `No key ${keyIdOrLookupId}.`);
  if (key.revokedAt) return key;
  return prisma.$transaction(async (tx) => {
    const updated = await tx.agentKey.update({ where: { id: key.id }, data: { revokedAt: new Date() }, select: keyView });
    await appendAudit(tx, {
      type: "agent.key_revoked",
      actor,
      subject: { type: "agent", id: key.agentId },
      data: { keyId: key.id, lookupId: key.lookupId },
    });
    return updated;
  });
}

export interface AuthenticatedAgent {
  agent: AgentView;
  key: AgentKeyView;
}

// Last-use writes are coalesced: one per key per minute is plenty for the dashboard.
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves a presented key to its agent. Throws `invalid_api_key` for anything wrong with the key
 * (unknown, malformed, revoked, expired) without saying which, and `agent_disabled` for a
 * disabled agent.
 */
export async function authenticateAgentKey(
  prisma: PrismaClient,
  plaintext: string,
  { now = new Date(), gather = false }: { now?: Date; gather?: boolean } = {},
): Promise<AuthenticatedAgent> {
  const lookupId = parseKey(plaintext);
  const record = lookupId ? await keyWithAgent(prisma, lookupId, gather) : null;
  const valid =
    record !== null &&
    keyMatches(plaintext, record.secretHash) &&
    !record.revokedAt &&
    (!record.expiresAt || record.expiresAt > now);
  if (!valid || !record) throw new AppError("invalid_api_key", "The API key is missing, unknown, revoked or expired.");
  if (record.agent.disabledAt) throw new AppError("agent_disabled", "This agent is disabled.");
  if (record.agent.quarantinedAt) {
    throw new AppError("agent_quarantined", `${record.agent.quarantineReason ?? "This agent is quarantined"}. An admin must lift the quarantine.`);
  }
  if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) await touchKey(prisma, record.id, now);
  const { agent: withQuarantine, secretHash: _secretHash, ...key } = record;
  const { quarantinedAt: _q, quarantineReason: _r, ...agent } = withQuarantine;
  return { agent, key };
}

const touchBatchers = new WeakMap<object, Batcher<string, Date>>();
/** Per key, when this process last wrote its lastUsedAt: a burst of calls with one key writes it once. */
const touchedAt = new Map<string, number>();

/**
 * Records that the key was used: at most once per LAST_USED_RESOLUTION_MS and process for a key,
 * and keys used together (a burst of long-polls, each with its own key or not) in one UPDATE. The
 * caller waits for it, so a key's lastUsedAt is written before its call is answered.
 */
async function touchKey(prisma: PrismaClient, keyId: string, now: Date): Promise<void> {
  const last = touchedAt.get(keyId);
  if (last !== undefined && now.getTime() - last <= LAST_USED_RESOLUTION_MS) return;
  if (touchedAt.size > 100_000) touchedAt.clear();
  touchedAt.set(keyId, now.getTime());
  const batcher = batcherFor(touchBatchers, prisma, () =>
    createBatcher<string, Date>(async (ids) => {
      const at = new Date();
      await rawSql(prisma).$executeRawUnsafe(`UPDATE agent_keys SET last_used_at = $1 WHERE id = ANY($2::uuid[])`, at, ids);
      return new Map(ids.map((id) => [id, at]));
    }),
  );
  try {
    await batcher.load(keyId);
  } catch (error) {
    touchedAt.delete(keyId);
    throw error;
  }
}

type KeyWithAgent = AgentKeyView & { secretHash: string; agent: AgentView & { quarantinedAt: Date | null; quarantineReason: string | null } };

type KeyRow = { key: Record<string, unknown> | string; agent: Record<string, unknown> | string; lookup_id: string };
const keyBatchers = new WeakMap<object, Batcher<string, KeyRow>>();
const gatheringKeyBatchers = new WeakMap<object, Batcher<string, KeyRow>>();

/**
 * The key and its agent in one round trip: every agent call starts here. Lookups arriving together
 * share one query; with `gather` (reads and long-polls, thousands of which can open within a
 * second and none of which is in a hurry), lookups arriving while one is in flight also wait
 * BURST_GATHER_MS for company, where a create's is sent as soon as the one before it returns.
 */
async function keyWithAgent(prisma: PrismaClient, lookupId: string, gather: boolean): Promise<KeyWithAgent | null> {
  const batcher = batcherFor(gather ? gatheringKeyBatchers : keyBatchers, prisma, () =>
    createBatcher<string, KeyRow>(async (lookupIds) => {
      const rows = await rawSql(prisma).$queryRawUnsafe<KeyRow[]>(
        `SELECT k.lookup_id,
                json_build_object('id', k.id, 'agentId', k.agent_id, 'lookupId', k.lookup_id, 'secretHash', k.secret_hash, 'label', k.label,
                                  'expiresAt', k.expires_at, 'revokedAt', k.revoked_at, 'lastUsedAt', k.last_used_at, 'createdAt', k.created_at) AS key,
                json_build_object('id', a.id, 'name', a.name, 'description', a.description, 'ownerId', a.owner_id, 'environments', a.environments,
                                  'resources', a.resources, 'scopes', a.scopes, 'disabledAt', a.disabled_at, 'createdAt', a.created_at,
                                  'quarantinedAt', a.quarantined_at, 'quarantineReason', a.quarantine_reason) AS agent
           FROM agent_keys k JOIN agents a ON a.id = k.agent_id
          WHERE k.lookup_id = ANY($1::text[])`,
        lookupIds,
      );
      return new Map(rows.map((r) => [r.lookup_id, r]));
    }, { gatherMs: gather ? BURST_GATHER_MS : 0 }),
  );
  const row = await batcher.load(lookupId);
  if (!row) return null;
  const json = (value: Record<string, unknown> | string) => (typeof value === "string" ? (JSON.parse(value) as Record<string, unknown>) : value);
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  const key = json(row.key);
  const agent = json(row.agent);
  return {
    id: key.id as string,
    agentId: key.agentId as string,
    lookupId: key.lookupId as string,
    secretHash: key.secretHash as string,
    label: key.label as string,
    expiresAt: date(key.expiresAt),
    revokedAt: date(key.revokedAt),
    lastUsedAt: date(key.lastUsedAt),
    createdAt: date(key.createdAt)!,
    agent: {
      id: agent.id as string,
      name: agent.name as string,
      description: agent.description as string,
      ownerId: (agent.ownerId as string | null) ?? null,
      environments: agent.environments as string[],
      resources: agent.resources as string[],
      scopes: agent.scopes as AgentView["scopes"],
      disabledAt: date(agent.disabledAt),
      createdAt: date(agent.createdAt)!,
      quarantinedAt: date(agent.quarantinedAt),
      quarantineReason: (agent.quarantineReason as string | null) ?? null,
    },
  };
}

export function agentHasScope(agent: AgentView, scope: Scope): boolean {
  return agent.scopes.includes(scope);
}
