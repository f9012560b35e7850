// The exact text of an operation as the reviewer can download it: the SQL or shell command itself
// (byte for byte what runs), or the whole operation as stored. Pure: the route only serves it.

export interface OperationFile {
  content: string;
  contentType: "text/plain" | "application/json";
  extension: "sql" | "sh" | "txt" | "json";
}

function field(op: unknown, key: string): unknown {
  return op && typeof op === "object" ? (op as Record<string, unknown>)[key] : undefined;
}

export function operationDownload(kind: string, operation: unknown, format: "text" | "json"): OperationFile {
  const sql = field(operation, "sql");
  const command = field(operation, "command");
  if (format === "text" && kind === "sql" && typeof sql === "string") return { content: sql, contentType: "text/plain", extension: "sql" };
  if (format === "text" && kind === "shell" && typeof command === "string") return { content: command, contentType: "text/plain", extension: "sh" };
  return { content: `${JSON.stringify(operation, null, 2) ?? "null"}\n`, contentType: "application/json", extension: "json" };
}

export interface OperationHeadline {
  /** The first line that says what runs: SQL's first statement line, `METHOD url`, `tool(argument)`. */
  text: string;
  /** Lines of the operation not in `text` (0 when it is all there). */
  moreLines: number;
}

const HEADLINE_CHARS = 160;

function firstLine(text: string): OperationHeadline {
  const lines = text.split(/\r\n|\r|\n/);
  // SQL and shell comments and blank lines say nothing about what runs.
  const index = lines.findIndex((line) => line.trim() !== "" && !/^\s*(--|#)/.test(line));
  const chosen = index === -1 ? (lines[0] ?? "") : lines[index];
  const nonEmpty = lines.filter((line) => line.trim() !== "").length;
  const cut = chosen.trim().length > HEADLINE_CHARS ? `${chosen.trim().slice(0, HEADLINE_CHARS)}…` : chosen.trim();
  return { text: cut, moreLines: Math.max(0, nonEmpty - 1) };
}

function keyArgument(args: unknown): string {
  if (!args || typeof args !== "object" || Array.isArray(args)) return "";
  const entries = Object.entries(args as Record<string, unknown>);
  // The argument that names what the call acts on, if any has a telling name; else the first one.
  const telling = entries.find(([key]) => /^(path|file|name|id|table|query|sql|command|url|target|resource|key)$/i.test(key)) ?? entries[0];
  if (!telling) return "";
  const value = typeof telling[1] === "string" ? telling[1] : JSON.stringify(telling[1]) ?? "";
  return `${telling[0]}: ${value.length > 60 ? `${value.slice(0, 60)}…` : value}`;
}

/** What a reviewer reads first about an operation: the line that runs, not anybody's account of it. */
export function operationHeadline(kind: string, operation: unknown): OperationHeadline {
  const sql = field(operation, "sql");
  const command = field(operation, "command");
  if (kind === "sql" && typeof sql === "string") return firstLine(sql);
  if (kind === "shell" && typeof command === "string") return firstLine(command);
  if (kind === "http") return firstLine(`${String(field(operation, "method") ?? "").toUpperCase()} ${String(field(operation, "url") ?? "")}`);
  if (kind === "mcp") return firstLine(`${String(field(operation, "tool") ?? "")}(${keyArgument(field(operation, "arguments"))})`);
  if (kind === "custom") return firstLine(String(field(operation, "action") ?? "custom action"));
  return firstLine(JSON.stringify(operation) ?? "");
}
