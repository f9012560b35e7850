import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { reportOutcome, ReportOutcome } from "@/lib/requests";
import { methodNotAllowed } from "@/lib/http/methods";

// POST /api/v1/requests/{id}/outcome — the redeemer reports whether the operation ran
export const POST = withAgent({ scope: ["requests:create", "requests:read", "grants:redeem"], body: ReportOutcome }, async ({ prisma, agent, key, params, body }) =>
  json(await reportOutcome(prisma, config(), { agent, key }, params.id, body)),
);

// GET, HEAD, PUT, PATCH, DELETE /api/v1/requests/{id}/outcome — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["POST"]);
export { otherMethod as GET, otherMethod as HEAD, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
