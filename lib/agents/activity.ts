// What each agent has been asking for lately: counts by outcome over a window and its latest
// requests, for the Agents page. Two queries for all agents together, whatever their number.
import type { PrismaClient } from "../db";

export interface RecentRequest {
  id: string;
  kind: string;
  operation: unknown;
  status: string;
  riskLevel: string;
  environment: string;
  resource: string;
  createdAt: Date;
}

export interface AgentActivity {
  /** Requests in the window by status (pending, approved, denied, executed, …). */
  counts: Record<string, number>;
  total: number;
  /** Newest first, at most `recentPerAgent`. */
  recent: RecentRequest[];
}

export async function agentActivity(prisma: PrismaClient, since: Date, recentPerAgent = 5): Promise<Map<string, AgentActivity>> {
  const [grouped, recent] = await Promise.all([
    prisma.request.groupBy({ by: ["agentId", "status"], where: { createdAt: { gte: since } }, _count: { _all: true } }),
    prisma.$queryRaw<Array<RecentRequest & { agentId: string }>>`
      SELECT id, agent_id AS "agentId", kind, operation, status::text AS status, risk_level::text AS "riskLevel",
             environment, resource, created_at AS "createdAt"
        FROM (SELECT r.*, row_number() OVER (PARTITION BY agent_id ORDER BY created_at DESC, id DESC) AS n
                FROM requests r WHERE created_at >= ${since}) ranked
       WHERE n <= ${recentPerAgent}
       ORDER BY agent_id, created_at DESC, id DESC`,
  ]);
  const activity = new Map<string, AgentActivity>();
  const of = (agentId: string) => {
    let entry = activity.get(agentId);
    if (!entry) activity.set(agentId, (entry = { counts: {}, total: 0, recent: [] }));
    return entry;
  };
  for (const row of grouped) {
    const entry = of(row.agentId);
    entry.counts[row.status] = row._count._all;
    entry.total += row._count._all;
  }
  for (const { agentId, ...request } of recent) of(agentId).recent.push({ ...request, createdAt: new Date(request.createdAt) });
  return activity;
}
