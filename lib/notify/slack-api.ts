// Calls to Slack's Web API with the bot token: JSON over HTTPS with a Bearer token. Slack answers
// errors two ways — HTTP 200 with {ok: false, error} and HTTP 429 with Retry-After — and both come
// back here as a failed result the queue can schedule: retry later, or give up at once when
// retrying cannot help (a revoked token, a channel the bot is not in, a deleted message).
import { parseRetryAfter, SEND_TIMEOUT_MS, type FetchLike, type SendResult } from "./send";

export type SlackApiResult = (SendResult & { ok: true; channel?: string; ts?: string }) | (SendResult & { ok: false; permanent?: boolean });

/** Slack error codes after which the same call can never succeed: fail the delivery now. */
const PERMANENT_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "no_permission",
  "missing_scope",
  "not_allowed_token_type",
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "restricted_action",
  "message_not_found",
  "cant_update_message",
  "edit_window_closed",
  "msg_too_long",
  "invalid_blocks",
  "invalid_blocks_format",
  "invalid_arguments",
  "invalid_arg_name",
  "no_text",
  "too_many_attachments",
]);

export interface SlackApiOptions {
  fetch?: FetchLike;
  timeoutMs?: number;
  now?: Date;
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; cause?: { code?: unknown; name?: unknown } } | undefined;
  if (err?.name === "TimeoutError" || err?.name === "AbortError" || err?.cause?.name === "TimeoutError") return `timed out after ${timeoutMs / 1000} s`;
  const code = typeof err?.cause?.code === "string" ? err.cause.code : undefined;
  return code && /^[A-Z0-9_]{2,40}$/.test(code) ? `network error (${code})` : "network error";
}

/** Only Slack's short error code is kept: nothing else of an answer reaches the log or the database. */
function errorCode(value: unknown): string {
  return typeof value === "string" && /^[a-z0-9_]{1,80}$/.test(value) ? value : "unknown_error";
}

/** POSTs `body` to `<baseUrl>/<method>` and reads Slack's answer. */
export async function callSlackApi(
  baseUrl: string,
  method: "chat.postMessage" | "chat.update",
  token: string,
  body: Record<string, unknown>,
  options: SlackApiOptions = {},
): Promise<SlackApiResult> {
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const doFetch = options.fetch ?? (globalThis.fetch as FetchLike);
  let response: Response;
  let text = "";
  try {
    response = await doFetch(`${baseUrl}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text().catch(() => "");
  } catch (error) {
    return { ok: false, error: `${method}: ${describeNetworkError(error, timeoutMs)}` };
  }
  if (response.status === 429) {
    const result: SlackApiResult = { ok: false, status: 429, error: `${method}: HTTP 429 (rate limited)` };
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), options.now);
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    return result;
  }
  if (response.status < 200 || response.status >= 300) return { ok: false, status: response.status, error: `${method}: HTTP ${response.status}` };
  let answer: { ok?: unknown; error?: unknown; channel?: unknown; ts?: unknown };
  try {
    answer = JSON.parse(text);
  } catch {
    return { ok: false, status: response.status, error: `${method}: the answer was not JSON` };
  }
  if (answer.ok !== true) {
    const code = errorCode(answer.error);
    // Slack also says "ratelimited" in the body on some paths: a retry, like a 429.
    return { ok: false, status: response.status, error: `${method}: ${code}`, permanent: PERMANENT_ERRORS.has(code) };
  }
  return {
    ok: true,
    status: response.status,
    channel: typeof answer.channel === "string" ? answer.channel : undefined,
    ts: typeof answer.ts === "string" ? answer.ts : undefined,
  };
}
