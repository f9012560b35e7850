// Runs an approved request that one of Countersign's own executors made, whatever its kind: the
// statement of the SQL executor, the call of the HTTP broker.
import { isUuid } from "../validate";
import type { Database } from "../db";
import type { Config } from "../env";
import type { AuthenticatedAgent } from "../agents";
import { runApprovedSql, type RunApprovedSqlOptions, type RunSqlOutcome } from "./run-sql";
import { runApprovedHttp, type RunHttpOutcome } from "./http";
import { runApprovedMcp, type RunMcpOutcome } from "../gateway/mcp/gateway";

export type RunApprovedOutcome = ({ kind: "sql" } & RunSqlOutcome) | ({ kind: "http" } & RunHttpOutcome) | ({ kind: "mcp" } & RunMcpOutcome);

export async function runApproved(database: Database, cfg: Config, caller: AuthenticatedAgent, requestId: string, options: RunApprovedSqlOptions = {}): Promise<RunApprovedOutcome> {
  // Only the kind is read here; ownership and everything else is checked by the executor itself.
  const row = isUuid(requestId)
    ? await database.prisma.request.findUnique({ where: { id: requestId }, select: { kind: true, agentId: true } })
    : null;
  if (row?.kind === "http" && row.agentId === caller.agent.id) {
    return { kind: "http", ...(await runApprovedHttp(database, cfg, caller, requestId, { waitSeconds: options.waitSeconds, signal: options.signal })) };
  }
  if (row?.kind === "mcp" && row.agentId === caller.agent.id) {
    return { kind: "mcp", ...(await runApprovedMcp(database, cfg, caller, requestId, { waitSeconds: options.waitSeconds, signal: options.signal })) };
  }
  return { kind: "sql", ...(await runApprovedSql(database, cfg, caller, requestId, options)) };
}
