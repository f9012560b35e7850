// Makes untrusted text (anything an agent wrote, and names it chose) safe to put in a Slack
// message: it cannot mention channels or people, forge links, format itself, or hide characters.

/** Characters that are invisible or reorder text (bidi overrides), control characters and Unicode tags. */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;
/** Broadcast mentions Slack may resolve from plain words; see neutraliseMentions. */
const BROADCAST = /@(?=(?:channel|here|everyone|group)(?![A-Za-z0-9]))/gi;
const WORD_JOINER = "\u2060";

export interface UntrustedOptions {
  /** Most code points kept; longer text is cut and ends with "…". */
  max: number;
  /** Keep line breaks (at most `maxLines`); otherwise they become spaces. */
  multiline?: boolean;
  maxLines?: number;
}

/** Slack's three control characters, as its formatting rules ask: & < > become entities. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * `@channel`, `@here`, `@everyone` (and the legacy `@group`) can notify a whole channel even
 * without `<!…>` syntax; a word joiner after the `@` keeps the text readable but inert.
 */
export function neutraliseMentions(text: string): string {
  return text.replace(BROADCAST, "@" + WORD_JOINER);
}

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, Math.max(0, max - 1)).join("").trimEnd() + "…";
}

/** `\u202E` for the Basic Multilingual Plane, `\u{E0041}` beyond it: what a reviewer can read and look up. */
export function visibleEscape(char: string): string {
  const cp = char.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase();
  return cp > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, "0")}`;
}

/** Hidden characters become visible escapes such as `\u202E`; line breaks are kept or flattened. */
function normalise(text: string, multiline: boolean, maxLines: number): string {
  let value = text.replace(/\r\n?/g, "\n").replace(/\t/g, " ");
  value = value.replace(/\n/g, multiline ? "\n" : " ").replace(HIDDEN, visibleEscape);
  if (multiline) {
    const lines = value.split("\n");
    if (lines.length > maxLines) value = lines.slice(0, maxLines).join("\n") + "\n…";
    value = value.replace(/\n{3,}/g, "\n\n");
  }
  return value.trim();
}

/**
 * The one way untrusted text enters a message: cleaned, cut to length (before escaping, so an
 * entity is never split), escaped, and stripped of broadcast mentions. Safe in both
 * `plain_text` and `mrkdwn` text objects.
 */
export function untrusted(text: string | null | undefined, options: UntrustedOptions): string {
  const value = normalise(String(text ?? ""), options.multiline ?? false, options.maxLines ?? 10);
  return neutraliseMentions(slackEscape(truncate(value, options.max)));
}

/**
 * An untrusted identifier as inline code inside `mrkdwn`: code spans switch formatting off, and
 * a backtick in the value (which would close the span) is replaced by a look-alike.
 */
export function untrustedCode(text: string | null | undefined, max: number): string {
  const value = untrusted(String(text ?? "").replace(/`/g, "\u02cb"), { max });
  return value ? "`" + value + "`" : "_(none)_";
}
