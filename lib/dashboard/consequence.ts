// What pressing Approve grants, in one sentence a tired reviewer can check against the page:
// "deploy-bot may run this DELETE once on postgres/orders (production), within 5 minutes."
import { GRANT_TTL_SECONDS } from "../grants/token";

interface ConsequenceInput {
  agentName: string;
  kind: string;
  operation: unknown;
  resource: string;
  environment: string;
  /** Approvals still missing, counting this reviewer's. */
  approvalsLeft: number;
  /** The policy's cool-down after the last approval, if any. */
  coolDownSeconds?: number | null;
}

/** A short name for what runs: the SQL command, the HTTP method, the MCP tool, or "command". */
export function operationVerb(kind: string, operation: unknown): string {
  const op = (operation ?? {}) as Record<string, unknown>;
  if (kind === "sql" && typeof op.sql === "string") {
    const statements = op.sql.split(";").filter((s) => s.replace(/--[^\n]*|\s+/g, "").length > 0);
    const first = /^\s*(?:--[^\n]*\n\s*)*([A-Za-z]+)/.exec(op.sql)?.[1]?.toUpperCase();
    if (statements.length > 1) return `batch of ${statements.length} statements`;
    return first ? first : "statement";
  }
  if (kind === "http" && typeof op.method === "string") return `${op.method.toUpperCase()} request`;
  if (kind === "mcp" && typeof op.tool === "string") return `${op.tool} call`;
  if (kind === "shell") return "command";
  return "operation";
}

function minutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m <= 1 ? "1 minute" : `${m} minutes`;
}

export function approvalConsequence(input: ConsequenceInput): string {
  const run = `${input.agentName} may run this ${operationVerb(input.kind, input.operation)} once on ${input.resource} (${input.environment})`;
  const when =
    input.approvalsLeft > 1
      ? `once ${input.approvalsLeft - 1} more reviewer${input.approvalsLeft - 1 === 1 ? "" : "s"} approve${input.approvalsLeft - 1 === 1 ? "s" : ""}`
      : input.coolDownSeconds
        ? `after a ${Math.max(1, Math.round(input.coolDownSeconds / 60))}-minute cool-down`
        : "from now";
  return `${run}, ${when}, within ${minutes(GRANT_TTL_SECONDS)} of the grant.`;
}
