import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { database } from "@/lib/db";
import { RunHttp, runHttpOnResource } from "@/lib/executor/http";
import { methodNotAllowed } from "@/lib/http/methods";
import { resourceName } from "@/lib/http/resource-name";

// POST /api/v1/resources/{name}/http — an agent asks Countersign to call a registered HTTP API with the credential it holds
export const POST = withAgent({ scope: "requests:create", body: RunHttp }, async ({ agent, key, body, params }) => {
  const outcome = await runHttpOnResource(await database(), config(), { agent, key }, {
    resource: resourceName(params.name),
    method: body.method,
    path: body.path,
    query: body.query,
    headers: body.headers,
    body: body.body,
    summary: body.summary,
    context: body.context,
    waitSeconds: body.wait,
  });
  // 200 once the call was made or the request was decided without it; 202 while people decide.
  const waiting = !outcome.result && ["pending", "cooling_down", "approved"].includes(outcome.request.status);
  const result = outcome.result?.status === "executed" ? { response: outcome.result.response } : outcome.result ? { result: outcome.result } : {};
  return json({ request: outcome.request, ...result }, { status: waiting ? 202 : 200, headers: { location: `/api/v1/requests/${outcome.request.id}` } });
});

// GET, HEAD, PUT, PATCH, DELETE /api/v1/resources/{name}/http — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["POST"]);
export { otherMethod as GET, otherMethod as HEAD, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
