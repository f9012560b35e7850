// Outgoing webhooks (Standard Webhooks): admins' endpoints, deliveries queued with the change that
// causes them (lib/audit's append), signed and delivered with retries by a worker on any instance.
export { WEBHOOK_EVENT_TYPES, isWebhookEventType, webhookEventsForAudit, type WebhookEvent, type WebhookEventType } from "./events";
export { enqueueWebhookEvents, WEBHOOK_CHANNEL } from "./enqueue";
export {
  deliverDueWebhooks,
  pruneWebhookDeliveries,
  postWebhook,
  webhookBackoffMs,
  WEBHOOK_BACKOFF_MS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_TIMEOUT_MS,
  type WebhookDeliverOptions,
  type WebhookDeliveryReport,
} from "./deliver";
export { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "./worker";
export {
  addWebhookEndpoint,
  listWebhookEndpoints,
  setWebhookEndpointEnabled,
  removeWebhookEndpoint,
  AddWebhookEndpoint,
  type WebhookEndpointView,
  type WebhookDeliveryView,
} from "./endpoints";
export { webhookUrlProblem } from "./url";
export { generateWebhookSecret } from "./secret";
