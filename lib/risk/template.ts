// An operation's template: the statement with its literals replaced by placeholders, so fifty
// `DELETE FROM sessions WHERE id = <n>` read as one `DELETE FROM sessions WHERE id = $1`. SQL goes
// through the PostgreSQL parser's own normalize and fingerprint; other kinds keep their shape and
// drop what varies (ids in URL paths, argument values).
import { fingerprintSync, normalizeSync } from "libpg-query";
import { assertRiskEngineLoaded } from "./engine";

export interface OperationTemplate {
  /** Equal for operations that differ only in their literals. */
  fingerprint: string;
  /** The template as text for reviewers. */
  text: string;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

// A path segment that names one thing rather than a kind of thing: numbers, UUIDs, long hex or opaque ids.
const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{12,}|[A-Za-z0-9_-]*\d[A-Za-z0-9_-]{7,})$/i;

/** Needs the risk engine loaded (loadRiskEngine) for SQL. Null for an operation it cannot read. */
export function operationTemplate(operation: unknown): OperationTemplate | null {
  const op = record(operation);
  switch (op.kind) {
    case "sql": {
      if (typeof op.sql !== "string") return null;
      assertRiskEngineLoaded();
      try {
        return { fingerprint: `sql:${fingerprintSync(op.sql)}`, text: normalizeSync(op.sql).trim() };
      } catch {
        // Not parseable: only identical text is the same template.
        return { fingerprint: `sql-text:${op.sql}`, text: op.sql.trim() };
      }
    }
    case "http": {
      if (typeof op.method !== "string" || typeof op.url !== "string") return null;
      let text: string;
      try {
        const url = new URL(op.url);
        const path = url.pathname
          .split("/")
          .map((segment) => (ID_SEGMENT.test(segment) ? "{id}" : segment))
          .join("/");
        text = `${op.method.toUpperCase()} ${url.host}${path}`;
      } catch {
        return null;
      }
      return { fingerprint: `http:${text}`, text };
    }
    case "mcp":
    case "custom": {
      const name = op.kind === "mcp" ? op.tool : op.action;
      if (typeof name !== "string") return null;
      const text = `${name}(${Object.keys(record(op.kind === "mcp" ? op.arguments : op.params)).sort().join(", ")})`;
      return { fingerprint: `${op.kind}:${text}`, text };
    }
    case "shell": {
      if (typeof op.command !== "string") return null;
      const text = op.command.trim().replace(/\b\d+\b/g, "?");
      return { fingerprint: `shell:${text}`, text };
    }
    default:
      return null;
  }
}
