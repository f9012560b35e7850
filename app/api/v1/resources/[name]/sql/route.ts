import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { database } from "@/lib/db";
import { RunSql, runSqlOnResource } from "@/lib/executor";
import { methodNotAllowed } from "@/lib/http/methods";
import { resourceName } from "@/lib/http/resource-name";

// POST /api/v1/resources/{name}/sql — an agent asks Countersign to run SQL on a registered resource
export const POST = withAgent({ scope: "requests:create", body: RunSql }, async ({ agent, key, body, params, req }) => {
  const outcome = await runSqlOnResource(await database(), config(), { agent, key }, {
    resource: resourceName(params.name),
    sql: body.sql,
    summary: body.summary,
    context: body.context,
    waitSeconds: body.wait,
  });
  // 200 once the statement ran or the request was decided without running; 202 while people decide.
  const waiting = !outcome.result && ["pending", "cooling_down", "approved"].includes(outcome.request.status);
  return json(outcome.result ? { request: outcome.request, result: outcome.result } : { request: outcome.request }, {
    status: waiting ? 202 : 200,
    headers: { location: `/api/v1/requests/${outcome.request.id}` },
  });
});

// GET, HEAD, PUT, PATCH, DELETE /api/v1/resources/{name}/sql — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["POST"]);
export { otherMethod as GET, otherMethod as HEAD, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
