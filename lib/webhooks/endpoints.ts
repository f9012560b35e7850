// Admins' webhook endpoints: add (the secret is returned once), list with recent deliveries,
// enable or disable, remove. Every change is audited in its own transaction, with the URL masked
// (a URL can carry a token of its own) and never the secret.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { PrismaClient } from "../db";
import { TX_OPTIONS } from "../db";
import type { Config } from "../env";
import type { Actor } from "../actors";
import { appendAudit } from "../audit";
import { AppError } from "../errors";
import { maskWebhook } from "../notify/settings";
import { parseInput } from "../validate";
import { WEBHOOK_EVENT_TYPES } from "./events";
import { encryptWebhookSecret, generateWebhookSecret } from "./secret";
import { webhookUrlProblem } from "./url";

export const AddWebhookEndpoint = z.strictObject({
  url: z.string().trim().min(1, "is required").max(2000, "must be at most 2000 characters"),
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `must be among ${WEBHOOK_EVENT_TYPES.join(", ")}` }))
    .min(1, "name at least one event")
    .transform((events) => [...new Set(events)]),
  description: z.string().trim().max(200, "must be at most 200 characters").default(""),
});
export type AddWebhookEndpoint = z.input<typeof AddWebhookEndpoint>;

export interface WebhookDeliveryView {
  id: string;
  eventType: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
}

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  createdBy: { type: string; id: string | null };
  createdAt: Date;
  updatedAt: Date;
  recentDeliveries: WebhookDeliveryView[];
}

const ENDPOINT_SELECT = { id: true, url: true, description: true, events: true, enabled: true, createdByType: true, createdById: true, createdAt: true, updatedAt: true } as const;
const DELIVERY_SELECT = { id: true, eventType: true, status: true, attempts: true, nextAttemptAt: true, lastAttemptAt: true, lastStatusCode: true, lastError: true, createdAt: true } as const;

type EndpointRow = { id: string; url: string; description: string; events: string[]; enabled: boolean; createdByType: string; createdById: string | null; createdAt: Date; updatedAt: Date };
type DeliveryRow = Omit<WebhookDeliveryView, "nextAttemptAt"> & { nextAttemptAt: Date };

function toView(row: EndpointRow, deliveries: DeliveryRow[] = []): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    createdBy: { type: row.createdByType, id: row.createdById },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    recentDeliveries: deliveries.map((d) => ({ ...d, nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null })),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Adds an endpoint. The signing secret is in the answer and nowhere else: it is not shown again. */
export async function addWebhookEndpoint(
  prisma: PrismaClient,
  cfg: Pick<Config, "authSecret" | "publicUrl" | "port">,
  input: AddWebhookEndpoint,
  actor: Actor,
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  const { url, events, description } = parseInput(AddWebhookEndpoint, input, "The webhook endpoint is not valid.");
  const problem = webhookUrlProblem(url, cfg);
  if (problem) throw new AppError("validation_failed", "The webhook endpoint is not valid.", [{ field: "url", message: problem }]);
  const id = randomUUID();
  const secret = generateWebhookSecret();
  const row = await prisma.$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: { id, url, events, description, secretEnvelope: encryptWebhookSecret(secret, cfg.authSecret, id), createdByType: actor.type, createdById: actor.id ?? null },
      select: ENDPOINT_SELECT,
    });
    await appendAudit(tx, { type: "webhook.added", actor, subject: { type: "webhook", id }, data: { url: maskWebhook(url), events, description } });
    return created;
  }, TX_OPTIONS);
  return { endpoint: toView(row), secret };
}

/** Every endpoint, newest first, each with its latest deliveries (newest first). */
export async function listWebhookEndpoints(prisma: PrismaClient, options: { deliveries?: number } = {}): Promise<WebhookEndpointView[]> {
  const rows = await prisma.webhookEndpoint.findMany({
    orderBy: { createdAt: "desc" },
    select: { ...ENDPOINT_SELECT, deliveries: { orderBy: { createdAt: "desc" }, take: options.deliveries ?? 10, select: DELIVERY_SELECT } },
  });
  return rows.map(({ deliveries, ...row }) => toView(row, deliveries));
}

async function findEndpoint(prisma: PrismaClient, id: string): Promise<EndpointRow> {
  const row = UUID.test(id) ? await prisma.webhookEndpoint.findUnique({ where: { id }, select: ENDPOINT_SELECT }) : null;
  if (!row) throw new AppError("not_found", `No webhook endpoint ${id}.`);
  return row;
}

/** Enables or disables an endpoint. A disabled one gets no new deliveries; those queued wait for it. */
export async function setWebhookEndpointEnabled(prisma: PrismaClient, id: string, enabled: boolean, actor: Actor): Promise<WebhookEndpointView> {
  await findEndpoint(prisma, id);
  const row = await prisma.$transaction(async (tx) => {
    const updated = await tx.webhookEndpoint.update({ where: { id }, data: { enabled }, select: ENDPOINT_SELECT });
    await appendAudit(tx, { type: enabled ? "webhook.enabled" : "webhook.disabled", actor, subject: { type: "webhook", id }, data: { url: maskWebhook(updated.url) } });
    return updated;
  }, TX_OPTIONS);
  return toView(row);
}

/** Removes an endpoint and its delivery history; nothing more is sent to it. */
export async function removeWebhookEndpoint(prisma: PrismaClient, id: string, actor: Actor): Promise<WebhookEndpointView> {
  const existing = await findEndpoint(prisma, id);
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.webhookEndpoint.deleteMany({ where: { id } });
    if (count === 0) throw new AppError("not_found", `No webhook endpoint ${id}.`);
    await appendAudit(tx, { type: "webhook.removed", actor, subject: { type: "webhook", id }, data: { url: maskWebhook(existing.url), events: existing.events } });
  }, TX_OPTIONS);
  return toView(existing);
}
