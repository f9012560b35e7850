// What a reviewer reads first about a request, before the agent's own words: the operation itself
// in one line ("DELETE FROM sessions WHERE id = 7;", "DELETE api.example.com/v1/users/7",
// "delete_file(/srv/app/.env)") and Countersign's measured sentence. Pure, shared by the inbox and
// the request page; the text stays untrusted (it is the agent's), so callers render it inert.
import { readPlannedEffect } from "../requests/planned-effect";

/** Longest headline kept; the row truncates visually long before this. */
export const MAX_HEADLINE_CHARS = 300;

// Arguments that usually say what a tool or action acts on, in order of preference.
const KEY_ARGUMENTS = ["path", "file", "filename", "name", "id", "url", "uri", "table", "bucket", "key", "repo", "repository", "branch", "query", "command", "sql"];

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function cut(text: string): string {
  return text.length > MAX_HEADLINE_CHARS ? `${text.slice(0, MAX_HEADLINE_CHARS - 1)}…` : text;
}

/** The first line with anything on it, and whether more follows (shown as " …"). */
function firstLine(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  const index = lines.findIndex((line) => line.trim() !== "");
  if (index < 0) return "";
  const more = lines.slice(index + 1).some((line) => line.trim() !== "");
  return cut(`${lines[index]!.trim()}${more ? " …" : ""}`);
}

/** The argument a call is mostly about, as short text: `path`, `name`, … or the first scalar one. */
function keyArgument(args: Record<string, unknown>): string | null {
  const scalar = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null);
  for (const key of KEY_ARGUMENTS) {
    const value = scalar(args[key]);
    if (value !== null) return value;
  }
  for (const value of Object.values(args)) {
    const text = scalar(value);
    if (text !== null) return text;
  }
  return null;
}

function call(name: string, args: Record<string, unknown>): string {
  const key = keyArgument(args);
  return cut(`${name}(${key === null ? (Object.keys(args).length ? "…" : "") : firstLine(key).slice(0, 120)})`);
}

/**
 * The operation in one line: SQL or a shell command by its first line ("…" when more follows),
 * an HTTP call as "METHOD host/path", an MCP tool or custom action as "name(key argument)".
 */
export function operationHeadline(operation: unknown): string {
  const op = record(operation);
  switch (op.kind) {
    case "sql":
      return typeof op.sql === "string" ? firstLine(op.sql) : "SQL";
    case "shell":
      return typeof op.command === "string" ? firstLine(op.command) : "command";
    case "http": {
      const method = typeof op.method === "string" ? op.method.toUpperCase() : "HTTP";
      if (typeof op.url !== "string") return method;
      try {
        const url = new URL(op.url);
        return cut(`${method} ${url.host}${url.pathname}`);
      } catch {
        return cut(`${method} ${firstLine(op.url)}`);
      }
    }
    case "mcp":
      return typeof op.tool === "string" ? call(op.tool, record(op.arguments)) : "tool call";
    case "custom":
      return typeof op.action === "string" ? call(op.action, record(op.params)) : "action";
    default:
      return "operation";
  }
}

/** Countersign's own measured sentence for the request, when its executor measured one. */
export function measuredSentence(plannedEffect: unknown): string | null {
  const effect = readPlannedEffect(plannedEffect);
  const summary = effect?.summary.trim();
  return summary ? summary : null;
}

/** Text split at backtick pairs, so `public.users` can be shown as code rather than with backticks. */
export function codeSpans(text: string): Array<{ text: string; code: boolean }> {
  const spans: Array<{ text: string; code: boolean }> = [];
  const pattern = /`([^`\n]+)`/g;
  let last = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > last) spans.push({ text: text.slice(last, match.index), code: false });
    spans.push({ text: match[1]!, code: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) spans.push({ text: text.slice(last), code: false });
  return spans;
}
