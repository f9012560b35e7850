// Slack, two ways. The incoming webhook (set in Settings, else SLACK_WEBHOOK_URL) only posts. A
// Slack app's bot token and a channel id (set in Settings, else SLACK_BOT_TOKEN and
// SLACK_CHANNEL_ID) post the card with chat.postMessage and keep it current with chat.update; when
// both are configured the bot is used. Both are stored under the "slack" key. The webhook URL and
// the token are secrets: never in the audit log or the server log, the URL shown masked, the token
// kept encrypted under AUTH_SECRET and never shown again.
import { z } from "zod";
import type { PrismaClient, RawTx, Tx } from "../db";
import { TX_OPTIONS } from "../db";
import { config, type Config } from "../env";
import type { Actor } from "../actors";
import { appendAudit } from "../audit";
import { parseInput } from "../validate";
import { decryptSecret, encryptSecret } from "../resources/secret";
import { AppError } from "../errors";

export const SLACK_SETTINGS_KEY = "slack";

export interface SlackSettings {
  webhookUrl: string | null;
  source: "settings" | "environment" | null;
  /** The bot in force (its channel; the token stays encrypted), or null: webhook mode or off. */
  bot: { channelId: string; source: "settings" | "environment" } | null;
}

/** The bot token and channel, decrypted for a call to Slack's Web API. */
export interface SlackBot {
  token: string;
  channelId: string;
  source: "settings" | "environment";
}

type SlackConfig = Pick<Config, "slackWebhookUrl" | "slackBot">;

/** The encryption's additional data: an envelope copied from a resource does not decrypt here. */
const TOKEN_AAD_NAME = "settings:slack.botToken";

export const SlackBotToken = z
  .string()
  .trim()
  .max(500, "must be at most 500 characters")
  .regex(/^xoxb-[A-Za-z0-9-]+$/, "must be a Slack bot token (xoxb-…), from your Slack app's OAuth & Permissions page");
export const SlackChannelId = z
  .string()
  .trim()
  .regex(/^[CG][A-Z0-9]{2,30}$/, "must be a channel id such as C0123ABCD (in Slack: the channel's details, at the bottom)");

export const SaveSlackBot = z.strictObject({
  /** Empty keeps the stored token: it is never shown back, so the form cannot re-send it. */
  botToken: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), SlackBotToken.optional()),
  channelId: SlackChannelId,
});
export type SaveSlackBot = z.input<typeof SaveSlackBot>;

interface StoredSlack {
  webhookUrl?: string;
  botTokenEnvelope?: string;
  channelId?: string;
}

function storedSlack(value: unknown): StoredSlack {
  if (!value || typeof value !== "object") return {};
  const v = value as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === "string" && x.length > 0 ? x : undefined);
  return { webhookUrl: str(v.webhookUrl), botTokenEnvelope: str(v.botTokenEnvelope), channelId: str(v.channelId) };
}

async function writeStored(tx: Tx, value: StoredSlack): Promise<void> {
  const clean = Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === "string" && v.length > 0));
  if (Object.keys(clean).length === 0) await tx.setting.deleteMany({ where: { key: SLACK_SETTINGS_KEY } });
  else await tx.setting.upsert({ where: { key: SLACK_SETTINGS_KEY }, create: { key: SLACK_SETTINGS_KEY, value: clean }, update: { value: clean } });
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https only (the URL is a credential); plain http only to this machine, for local receivers. */
export const WebhookUrl = z
  .string()
  .trim()
  .max(2000, "must be at most 2000 characters")
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.username || url.password) return false;
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
  }, "must be an https:// URL (Slack incoming webhooks look like https://hooks.slack.com/services/…)");

export const SaveSlackSettings = z.strictObject({
  /** null removes the stored webhook; SLACK_WEBHOOK_URL (if set) applies again. */
  webhookUrl: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : v), WebhookUrl.nullable()),
});
export type SaveSlackSettings = z.input<typeof SaveSlackSettings>;

function resolve(stored: StoredSlack, cfg: Partial<SlackConfig>): SlackSettings {
  const webhook: Pick<SlackSettings, "webhookUrl" | "source"> = stored.webhookUrl
    ? { webhookUrl: stored.webhookUrl, source: "settings" }
    : cfg.slackWebhookUrl
      ? { webhookUrl: cfg.slackWebhookUrl, source: "environment" }
      : { webhookUrl: null, source: null };
  const bot: SlackSettings["bot"] =
    stored.botTokenEnvelope && stored.channelId
      ? { channelId: stored.channelId, source: "settings" }
      : cfg.slackBot
        ? { channelId: cfg.slackBot.channelId, source: "environment" }
        : null;
  return { ...webhook, bot };
}

/** The webhook and the bot in force and where each comes from. Works inside a transaction too. */
export async function getSlackSettings(prisma: RawTx, cfg: Partial<SlackConfig> = config()): Promise<SlackSettings> {
  const [row] = await prisma.$queryRawUnsafe<Array<{ value: unknown }>>(`SELECT value FROM settings WHERE key = $1`, SLACK_SETTINGS_KEY);
  return resolve(storedSlack(row?.value), cfg);
}

/** The bot's token (decrypted) and channel, or null when no bot is configured. */
export async function getSlackBot(prisma: Tx, cfg: Pick<Config, "slackBot" | "authSecret">): Promise<SlackBot | null> {
  const row = await prisma.setting.findUnique({ where: { key: SLACK_SETTINGS_KEY } });
  const stored = storedSlack(row?.value);
  if (stored.botTokenEnvelope && stored.channelId) {
    let token: string;
    try {
      token = decryptSecret(stored.botTokenEnvelope, cfg.authSecret, TOKEN_AAD_NAME);
    } catch {
      throw new Error("The stored Slack bot token cannot be decrypted with this AUTH_SECRET: save the token again in Settings.");
    }
    return { token, channelId: stored.channelId, source: "settings" };
  }
  return cfg.slackBot ? { ...cfg.slackBot, source: "environment" } : null;
}

/**
 * Stores the bot's channel and (when given) its token, encrypted; audited as
 * `settings.slack_changed` without the token. The first save needs a token.
 */
export async function saveSlackBotSettings(
  prisma: PrismaClient,
  input: SaveSlackBot,
  actor: Actor,
  cfg: Pick<Config, "slackWebhookUrl" | "slackBot" | "authSecret"> = config(),
): Promise<SlackSettings> {
  const { botToken, channelId } = parseInput(SaveSlackBot, input, "The Slack bot settings are not valid.");
  return prisma.$transaction(async (tx) => {
    const row = await tx.setting.findUnique({ where: { key: SLACK_SETTINGS_KEY } });
    const stored = storedSlack(row?.value);
    const botTokenEnvelope = botToken ? encryptSecret(botToken, cfg.authSecret, TOKEN_AAD_NAME) : stored.botTokenEnvelope;
    if (!botTokenEnvelope) {
      throw new AppError("validation_failed", "Give the bot token (xoxb-…): none is stored yet.", [{ field: "botToken", message: "is required the first time" }]);
    }
    await writeStored(tx, { ...stored, botTokenEnvelope, channelId });
    const after = resolve({ ...stored, botTokenEnvelope, channelId }, cfg);
    await appendAudit(tx, {
      type: "settings.slack_changed",
      actor,
      subject: { type: "setting", id: SLACK_SETTINGS_KEY },
      data: { bot: true, tokenChanged: Boolean(botToken), channelId, changed: channelId !== stored.channelId || Boolean(botToken), source: "settings" },
    });
    return after;
  }, TX_OPTIONS);
}

/** Removes the stored bot (SLACK_BOT_TOKEN, if set, applies again; else the webhook, if any). */
export async function removeSlackBotSettings(prisma: PrismaClient, actor: Actor, cfg: SlackConfig = config()): Promise<SlackSettings> {
  return prisma.$transaction(async (tx) => {
    const row = await tx.setting.findUnique({ where: { key: SLACK_SETTINGS_KEY } });
    const stored = storedSlack(row?.value);
    const next = { webhookUrl: stored.webhookUrl };
    await writeStored(tx, next);
    const after = resolve(next, cfg);
    await appendAudit(tx, {
      type: "settings.slack_changed",
      actor,
      subject: { type: "setting", id: SLACK_SETTINGS_KEY },
      data: { bot: false, changed: Boolean(stored.botTokenEnvelope), source: after.bot?.source ?? null },
    });
    return after;
  }, TX_OPTIONS);
}

/** Stores (or, with null, removes) the webhook, audited as `settings.slack_changed` without the URL. */
export async function saveSlackSettings(
  prisma: PrismaClient,
  input: SaveSlackSettings,
  actor: Actor,
  cfg: Partial<SlackConfig> = config(),
): Promise<SlackSettings> {
  const { webhookUrl } = parseInput(SaveSlackSettings, input, "The Slack settings are not valid.");
  return prisma.$transaction(async (tx) => {
    const row = await tx.setting.findUnique({ where: { key: SLACK_SETTINGS_KEY } });
    const stored = storedSlack(row?.value);
    const before = resolve(stored, cfg);
    await writeStored(tx, { ...stored, webhookUrl: webhookUrl ?? undefined });
    const after = await getSlackSettings(tx, cfg);
    await appendAudit(tx, {
      type: "settings.slack_changed",
      actor,
      subject: { type: "setting", id: SLACK_SETTINGS_KEY },
      data: {
        stored: webhookUrl !== null,
        changed: before.webhookUrl !== after.webhookUrl,
        source: after.source,
      },
    });
    return after;
  }, TX_OPTIONS);
}

/** What the Settings page may show: never the URL itself. */
export interface SlackSettingsView {
  configured: boolean;
  source: SlackSettings["source"];
  /** e.g. `https://hooks.slack.com/…WXYZ` */
  maskedWebhook: string | null;
  /** SLACK_WEBHOOK_URL is set, so clearing the stored webhook falls back to it. */
  environmentFallback: boolean;
}

export async function describeSlackSettings(prisma: Tx, cfg: Partial<SlackConfig> = config()): Promise<SlackSettingsView> {
  const { webhookUrl, source } = await getSlackSettings(prisma, cfg);
  return { configured: webhookUrl !== null, source, maskedWebhook: maskWebhook(webhookUrl), environmentFallback: Boolean(cfg.slackWebhookUrl) };
}

/** For display: the scheme and host, and the last four characters of the secret path. */
export function maskWebhook(url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(not a valid URL)";
  }
  const secret = parsed.pathname + parsed.search;
  const tail = secret.length >= 16 ? secret.slice(-4) : "";
  return `${parsed.protocol}//${parsed.host}/…${tail}`;
}

/** Replaces the webhook URL (and its secret path) wherever it appears in text meant for logs. */
export function scrubWebhook(text: string, url: string | null | undefined): string {
  if (!url) return text;
  let out = text.split(url).join("[webhook]");
  try {
    const parsed = new URL(url);
    const path = parsed.pathname + parsed.search;
    // Longest first, so a fragment never leaves part of a longer match behind.
    const parts = [path, parsed.pathname, path.slice(1), parsed.pathname.slice(1), ...parsed.pathname.split("/").filter((s) => s.length >= 8)]
      .filter((p) => p.length > 1)
      .sort((a, b) => b.length - a.length);
    for (const part of parts) out = out.split(part).join("[redacted]");
  } catch {
    // Not a URL: the whole-string replacement above is all we can do.
  }
  return out;
}
