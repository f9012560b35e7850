// Calls to tools of upstream MCP servers (the MCP gateway). The server's own annotations are the
// starting point, never trusted to lower the risk below what Countersign finds itself: a tool
// named like a deletion is high whatever it declares, and arguments that carry SQL, a shell
// command or a URL are judged by those catalogs.
import { assessHttp } from "./http";
import { type Finding, quoteName, type RiskAssessment, toAssessment } from "./levels";
import { assessShell } from "./shell";
import { assessSql } from "./sql";

export interface McpCall {
  tool: string;
  arguments: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
}

const DESTRUCTIVE_NAME = /(?:^|[_\-.\s]|(?<=[a-z])(?=[A-Z]))(?:delete|drop|destroy|remove|purge|truncate|wipe|erase|terminate|kill|reset|revoke|overwrite|force)/i;
const BACKUP_NAME = /backup|snapshot|recovery[_-]?point|pitr/i;
const SQL_KEY = /^(?:sql|query|statement|statements|stmt)$/i;
const SHELL_KEY = /^(?:command|cmd|script|shell|bash)$/i;
const SQL_START = /^\s*(?:select|insert|update|delete|drop|truncate|alter|create|grant|revoke|merge|with|do|call|copy|vacuum|reindex|cluster|comment|set|reset)\b/i;
// Bounds on the walk through arguments: a tool call is small; anything larger is judged by what was read.
const MAX_STRINGS = 500;
const MAX_DEPTH = 20;

export function assessMcp(call: McpCall): RiskAssessment {
  const tool = quoteName(call.tool);
  const hints = call.annotations ?? {};
  const findings: Finding[] = [];
  const targets: string[] = [];
  if (hints.readOnlyHint === true) {
    // A read, as the server says; Countersign's own rules below can still raise it.
  } else if (!call.annotations || hints.destructiveHint !== false) {
    findings.push(
      call.annotations
        ? { id: "mcp.destructive_tool", level: "high", message: `Calls ${tool}, which its MCP server says may destroy or overwrite data (destructiveHint)` }
        : { id: "mcp.unclassified", level: "high", message: `Calls ${tool} of an MCP server that declares nothing about it; its effect cannot be seen` },
    );
  } else {
    findings.push({ id: "mcp.write", level: "medium", message: `Calls ${tool}, which its MCP server says changes data without destroying any${hints.idempotentHint ? " (idempotent)" : ""}` });
  }
  if (DESTRUCTIVE_NAME.test(call.tool)) {
    findings.push(
      BACKUP_NAME.test(call.tool)
        ? { id: "backup.delete_backup", level: "critical", message: `Calls ${tool}, which by its name deletes or disables backups or snapshots` }
        : { id: "mcp.destructive_name", level: "high", message: `Calls ${tool}, which by its name deletes or overwrites, whatever its server declares` },
    );
  }
  let seen = 0;
  const walk = (value: unknown, path: string, depth: number) => {
    if (seen >= MAX_STRINGS || depth > MAX_DEPTH) return;
    if (typeof value === "string") {
      seen++;
      const key = path.split(".").pop() ?? "";
      const inner = (assessment: RiskAssessment) => {
        for (const f of assessment.findings) findings.push({ ...f, message: `In argument ${quoteName(path)}: ${f.message}` });
        targets.push(...assessment.targets);
      };
      if (SQL_KEY.test(key) || SQL_START.test(value)) inner(assessSql(value));
      else if (SHELL_KEY.test(key)) inner(assessShell(value));
      else if (/^https?:\/\//i.test(value.trim())) inner(assessHttp({ method: "GET", url: value.trim() }));
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, depth + 1);
  };
  walk(call.arguments, "", 0);
  return toAssessment(findings, targets);
}
