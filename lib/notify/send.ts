// One POST to a Slack incoming webhook, with a timeout. Errors are described in our own words:
// a fetch error's message can contain the URL, which is a secret.
import type { PrismaClient } from "../db";
import type { Config } from "../env";
import { log } from "../log";
import { testMessage, type SlackMessage } from "./messages";
import { getSlackBot, getSlackSettings, scrubWebhook } from "./settings";
import { callSlackApi } from "./slack-api";

export const SEND_TIMEOUT_MS = 5_000;
const MAX_ERROR_BODY = 200;
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type SendResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string; retryAfterMs?: number };

export interface SendOptions {
  fetch?: FetchLike;
  timeoutMs?: number;
  /** For Retry-After given as an HTTP date. */
  now?: Date;
}

/** Retry-After as seconds or an HTTP date, bounded to [1 s, 1 h]; undefined if absent or unreadable. */
export function parseRetryAfter(header: string | null, now: Date = new Date()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = at - now.getTime();
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(1000, Math.ceil(ms)));
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; cause?: { code?: unknown; name?: unknown } } | undefined;
  if (err?.name === "TimeoutError" || err?.name === "AbortError" || err?.cause?.name === "TimeoutError") {
    return `timed out after ${timeoutMs / 1000} s`;
  }
  const code = typeof err?.cause?.code === "string" ? err.cause.code : undefined;
  return code && /^[A-Z0-9_]{2,40}$/.test(code) ? `network error (${code})` : "network error";
}

function cleanBody(text: string, url: string): string {
  return scrubWebhook(text, url)
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")
    .trim()
    .slice(0, MAX_ERROR_BODY);
}

export async function postToSlack(url: string, message: unknown, options: SendOptions = {}): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const doFetch = options.fetch ?? (globalThis.fetch as FetchLike);
  let response: Response;
  let body = "";
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    response = await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(message),
      redirect: "manual",
      signal,
    });
    body = await response.text().catch(() => "");
  } catch (error) {
    return { ok: false, error: describeNetworkError(error, timeoutMs) };
  }
  if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
  const detail = cleanBody(body, url);
  const result: SendResult = { ok: false, status: response.status, error: `HTTP ${response.status}${detail ? `: ${detail}` : ""}` };
  if (response.status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), options.now);
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
  }
  return result;
}

/** Settings' "Send a test message": posts at once (not queued), by the bot when one is in force, and says what happened. */
export async function sendTestNotification(
  prisma: PrismaClient,
  cfg: Config,
  options: Pick<SendOptions, "fetch" | "timeoutMs"> = {},
): Promise<{ ok: boolean; status?: number; error?: string }> {
  const { webhookUrl, source, bot: botInForce } = await getSlackSettings(prisma, cfg);
  if (botInForce) {
    let bot;
    try {
      bot = await getSlackBot(prisma, cfg);
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : "The Slack bot token cannot be read." };
    }
    if (bot) {
      const message = testMessage(cfg);
      const result = await callSlackApi(cfg.slackApiUrl, "chat.postMessage", bot.token, { channel: bot.channelId, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false }, options);
      log.info("slack test notification", { ok: result.ok, status: result.status, source: bot.source, mode: "bot", error: result.ok ? undefined : result.error });
      return result.ok ? { ok: true, status: result.status } : { ok: false, status: result.status, error: result.error };
    }
  }
  if (!webhookUrl) return { ok: false, error: "No Slack webhook or bot is configured." };
  const result = await postToSlack(webhookUrl, testMessage(cfg), options);
  log.info("slack test notification", { ok: result.ok, status: result.status, source, error: result.ok ? undefined : result.error });
  return result.ok ? { ok: true, status: result.status } : { ok: false, status: result.status, error: result.error };
}
