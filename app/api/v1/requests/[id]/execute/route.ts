import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { database } from "@/lib/db";
import { RunApprovedSql, runApproved } from "@/lib/executor";
import { untilShutdown } from "@/lib/server/shutdown";
import { methodNotAllowed } from "@/lib/http/methods";

// POST /api/v1/requests/{id}/execute — the agent has Countersign run its approved statement (or make its approved HTTP call), once
export const POST = withAgent({ scope: "requests:create", body: RunApprovedSql, bodyOptional: true }, async ({ agent, key, body, params, req }) => {
  const outcome = await runApproved(await database(), config(), { agent, key }, params.id, { waitSeconds: body.wait, signal: untilShutdown(req.signal) });
  // 200 once it ran (or failed to); 202 while people decide. An HTTP call answers with the upstream's response.
  const answer =
    outcome.kind === "http" && outcome.result?.status === "executed"
      ? { request: outcome.request, response: outcome.result.response }
      : outcome.kind === "mcp" && outcome.result
        ? { request: outcome.request, result: outcome.result }
      : outcome.result
        ? { request: outcome.request, result: outcome.result }
        : { request: outcome.request };
  return json(answer, {
    status: outcome.result ? 200 : 202,
    headers: { location: `/api/v1/requests/${outcome.request.id}` },
  });
});

// GET, HEAD, PUT, PATCH, DELETE /api/v1/requests/{id}/execute — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["POST"]);
export { otherMethod as GET, otherMethod as HEAD, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
