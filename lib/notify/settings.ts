// The Slack webhook: set in Settings (stored under the "slack" key), else SLACK_WEBHOOK_URL.
// The URL is a secret — whoever holds it can post to the channel — so it never enters the audit
// log or the server log, and is shown masked.
import { z } from "zod";
import type { PrismaClient, Tx } from "../db";
import { TX_OPTIONS } from "../db";
import { config, type Config } from "../env";
import type { Actor } from "../actors";
import { appendAudit } from "../audit";
import { parseInput } from "../validate";

export const SLACK_SETTINGS_KEY = "slack";

export interface SlackSettings {
  webhookUrl: string | null;
  source: "settings" | "environment" | null;
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

function storedWebhook(value: unknown): string | null {
  if (!value || typeof value !== "object") return null;
  const url = (value as { webhookUrl?: unknown }).webhookUrl;
  return typeof url === "string" && url.length > 0 ? url : null;
}

/** The webhook in force and where it comes from. Works inside a transaction too. */
export async function getSlackSettings(prisma: Tx, cfg: Pick<Config, "slackWebhookUrl"> = config()): Promise<SlackSettings> {
  const row = await prisma.setting.findUnique({ where: { key: SLACK_SETTINGS_KEY } });
  const stored = storedWebhook(row?.value);
  if (stored) return { webhookUrl: stored, source: "settings" };
  if (cfg.slackWebhookUrl) return { webhookUrl: cfg.slackWebhookUrl, source: "environment" };
  return { webhookUrl: null, source: null };
}

/** Stores (or, with null, removes) the webhook, audited as `settings.slack_changed` without the URL. */
export async function saveSlackSettings(
  prisma: PrismaClient,
  input: SaveSlackSettings,
  actor: Actor,
  cfg: Pick<Config, "slackWebhookUrl"> = config(),
): Promise<SlackSettings> {
  const { webhookUrl } = parseInput(SaveSlackSettings, input, "The Slack settings are not valid.");
  return prisma.$transaction(async (tx) => {
    const before = await getSlackSettings(tx, cfg);
    if (webhookUrl) {
      await tx.setting.upsert({
        where: { key: SLACK_SETTINGS_KEY },
        create: { key: SLACK_SETTINGS_KEY, value: { webhookUrl } },
        update: { value: { webhookUrl } },
      });
    } else {
      await tx.setting.deleteMany({ where: { key: SLACK_SETTINGS_KEY } });
    }
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

export async function describeSlackSettings(prisma: Tx, cfg: Pick<Config, "slackWebhookUrl"> = config()): Promise<SlackSettingsView> {
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
