// Slack notifications: messages for reviewers, queued with the request change and delivered
// once, with retries, by a worker on any instance. Slack only links to Countersign.
export {
  pendingRequestMessage,
  decisionMessage,
  requestCard,
  approvalReply,
  approvalProgress,
  testMessage,
  requestUrl,
  type SlackMessage,
  type SlackBlock,
  type SlackText,
  type NotifiableRequest,
  type MessageContext,
} from "./messages";
export { untrusted, untrustedCode, slackEscape, neutraliseMentions } from "./escape";
export {
  getSlackSettings,
  getSlackBot,
  saveSlackSettings,
  saveSlackBotSettings,
  removeSlackBotSettings,
  SaveSlackBot,
  type SlackBot,
  describeSlackSettings,
  maskWebhook,
  SaveSlackSettings,
  WebhookUrl,
  SLACK_SETTINGS_KEY,
  type SlackSettings,
  type SlackSettingsView,
} from "./settings";
export { sendTestNotification, postToSlack, parseRetryAfter, SEND_TIMEOUT_MS, type SendResult, type FetchLike } from "./send";
export {
  enqueueNotification,
  BOT_KINDS,
  type BotPayload,
  type DeliverConfig,
  deliverDueNotifications,
  pruneDeliveries,
  backoffMs,
  NOTIFY_CHANNEL,
  MAX_ATTEMPTS,
  BACKOFF_MS,
  LEASE_MS,
  type EnqueueInput,
  type NotificationKind,
  type DeliverOptions,
  type DeliveryReport,
} from "./queue";
export { notifyRequestPending, notifyRequestDecided, notifyRequestDecidedById, notifyApprovalArrived, updateBotCardById } from "./request-notifications";
export { startNotificationWorker, type NotificationWorker, type NotificationWorkerOptions } from "./worker";
export { callSlackApi, type SlackApiResult } from "./slack-api";
