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
