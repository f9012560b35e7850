import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { cancelRequest } from "@/lib/requests";
import { methodNotAllowed } from "@/lib/http/methods";

// POST /api/v1/requests/{id}/cancel — the agent withdraws its pending request
export const POST = withAgent({ scope: "requests:create" }, async ({ prisma, agent, params }) =>
  json(await cancelRequest(prisma, config(), agent.id, params.id)),
);

// GET, HEAD, PUT, PATCH, DELETE /api/v1/requests/{id}/cancel — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["POST"]);
export { otherMethod as GET, otherMethod as HEAD, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
