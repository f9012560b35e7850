import { withAgent, json } from "@/lib/http/with-agent";
import { listResourcesForAgent } from "@/lib/resources";
import { methodNotAllowed } from "@/lib/http/methods";

// GET /api/v1/resources — the resources this agent can name (in its environments), never a connection URL
export const GET = withAgent({ scope: ["requests:create", "requests:read"] }, async ({ prisma, agent }) => {
  return json({ resources: await listResourcesForAgent(prisma, agent) });
});

// POST, PUT, PATCH, DELETE /api/v1/resources — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["GET"]);
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
