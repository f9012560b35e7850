// Queuing webhook deliveries: one row per subscribed, enabled endpoint, inserted by the same SQL
// statement that appends the change's audit rows (lib/audit), so deliveries commit or roll back
// with the change and cost no round trip of their own. With no endpoint subscribed the insert
// selects nothing. A request event's data is read from the request row as the transaction sees
// it then, so every path reports the same fields.
import type { Tx } from "../db";
import { config } from "../env";
import type { WebhookEvent } from "./events";

export const WEBHOOK_CHANNEL = "countersign_webhooks";

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The data-modifying statement (for a WITH) that queues `events`, and the expression that wakes
 * the workers when it queued anything. Pushes its parameters onto `params`. `at` is the time, or
 * an SQL expression of its ISO text; `requestsWritten` names the CTEs of the same statement whose
 * RETURNING * rows are requests it writes, which that statement's snapshot does not show.
 */
export function webhookQueueSql(
  params: unknown[],
  events: WebhookEvent[],
  at: Date | { sql: string },
  requestsWritten: string[] = [],
  publicUrl: string = config().publicUrl,
): { insert: string; wake: (cte: string) => string } {
  const $ = (value: unknown) => `$${params.push(value)}`;
  const events$ = $(JSON.stringify(events.map((e) => ({ type: e.type, request_id: e.requestId, data: e.data }))));
  const at$ = at instanceof Date ? `${$(at.toISOString())}::text` : at.sql;
  const link$ = $(`${publicUrl}/requests/`);
  const channel$ = $(WEBHOOK_CHANNEL);
  const requests = requestsWritten.length
    ? `(${requestsWritten.map((cte) => `SELECT * FROM ${cte}`).join(" UNION ALL ")} UNION ALL SELECT * FROM requests WHERE id NOT IN (${requestsWritten.map((cte) => `SELECT id FROM ${cte}`).join(" UNION ALL ")}))`
    : "requests";
  const requestData = `(SELECT jsonb_build_object(
        'request', jsonb_build_object(
          'id', r.id, 'status', r.status::text, 'environment', r.environment, 'resource', r.resource, 'kind', r.kind,
          'risk', r.risk_level::text, 'requiredApprovals', r.required_approvals, 'summary', r.summary, 'reason', r.reason,
          'outcomeDetail', r.outcome_detail, 'createdAt', ${iso("r.created_at")}, 'decidedAt', ${iso("r.decided_at")},
          'expiresAt', ${iso("r.expires_at")}, 'url', ${link$}::text || r.id::text),
        'agent', jsonb_build_object('id', a.id, 'name', a.name))
      FROM ${requests} r JOIN agents a ON a.id = r.agent_id WHERE r.id = e.request_id)`;
  const insert = `INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload)
    SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), w.id, e.type,
           jsonb_build_object('type', e.type, 'timestamp', ${at$}, 'data', e.data || COALESCE(${requestData}, '{}'::jsonb))
      FROM ROWS FROM (jsonb_to_recordset(${events$}::jsonb) AS (type text, request_id uuid, data jsonb)) WITH ORDINALITY AS e(type, request_id, data, position)
      JOIN webhook_endpoints w ON w.enabled AND e.type = ANY(w.events)
     ORDER BY e.position, w.created_at
    RETURNING id`;
  return { insert, wake: (cte) => `(SELECT pg_notify(${channel$}, '') FROM ${cte} LIMIT 1)::text AS webhooks_woken` };
}

/**
 * Queues events outside an audit append (the audit checkpoint). Inside a transaction it commits
 * with it; on its own it is one statement. Returns how many deliveries were queued.
 */
export async function enqueueWebhookEvents(tx: Tx, events: WebhookEvent[], at: Date = new Date()): Promise<number> {
  if (events.length === 0) return 0;
  const params: unknown[] = [];
  const { insert, wake } = webhookQueueSql(params, events, at);
  const rows = await tx.$queryRawUnsafe<Array<{ queued: number }>>(
    `WITH queued AS (${insert}) SELECT (SELECT count(*) FROM queued)::int AS queued, ${wake("queued")}`,
    ...params,
  );
  return Number(rows[0]?.queued ?? 0);
}
