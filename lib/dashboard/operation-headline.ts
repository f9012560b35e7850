// The operation in one line, for the places that lead with it before anything the agent wrote (the
// Slack card; any summary view): the SQL's first line, the HTTP method and host/path, the shell
// command's first line, the MCP tool and its key argument, or the custom action. Pure.

const MAX_HEADLINE = 200;

function firstLine(text: string): { line: string; more: boolean } {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  // Leading blank and comment-only lines say nothing about what runs.
  const index = lines.findIndex((l) => l.trim() !== "" && !/^\s*--/.test(l));
  const at = index === -1 ? 0 : index;
  const line = (lines[at] ?? "").trim();
  const more = lines.slice(at + 1).some((l) => l.trim() !== "");
  return { line, more };
}

function cut(text: string, more = false): string {
  const chars = Array.from(text);
  if (chars.length > MAX_HEADLINE) return chars.slice(0, MAX_HEADLINE - 1).join("").trimEnd() + "…";
  return more ? `${text} …` : text;
}

/** The first string-valued argument under a name that usually says what a tool acts on. */
const KEY_ARGUMENTS = ["path", "file", "url", "query", "sql", "command", "name", "id", "key", "table", "resource"];

function keyArgument(args: unknown): string | null {
  if (!args || typeof args !== "object" || Array.isArray(args)) return null;
  const entries = Object.entries(args as Record<string, unknown>);
  const named = KEY_ARGUMENTS.map((k) => entries.find(([name, v]) => name.toLowerCase() === k && typeof v === "string")).find(Boolean);
  const pick = named ?? entries.find(([, v]) => typeof v === "string" || typeof v === "number");
  if (!pick) return null;
  return `${pick[0]}=${firstLine(String(pick[1])).line}`;
}

/** The operation's first line as a reviewer should read it first. */
export function operationHeadline(kind: string, operation: unknown): string {
  const op = (operation && typeof operation === "object" ? operation : {}) as Record<string, unknown>;
  if (kind === "sql" && typeof op.sql === "string") {
    // Leading comments, block comments included, are not what runs: an agent cannot lead the
    // headline with "/* a harmless read */" above the statement.
    const { line, more } = firstLine(op.sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)+/, ""));
    return cut(line, more);
  }
  if (kind === "http" && typeof op.method === "string" && typeof op.url === "string") {
    let where = op.url;
    try {
      const url = new URL(op.url);
      where = `${url.host}${url.pathname}${url.search}`;
    } catch {
      // Stored operations were validated; show the raw text if not.
    }
    return cut(`${op.method.toUpperCase()} ${where}`);
  }
  if (kind === "shell" && typeof op.command === "string") {
    const { line, more } = firstLine(op.command);
    return cut(line, more);
  }
  if (kind === "mcp" && typeof op.tool === "string") {
    const arg = keyArgument(op.arguments);
    return cut(arg ? `${op.tool} ${arg}` : op.tool);
  }
  if (kind === "custom" && typeof op.action === "string") {
    const arg = keyArgument(op.params);
    return cut(arg ? `${op.action} ${arg}` : op.action);
  }
  return cut(kind || "operation");
}
