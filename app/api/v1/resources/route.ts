import { withAgent, json } from "@/lib/http/with-agent";
import { listResourcesForAgent } from "@/lib/resources";

// GET /api/v1/resources — the resources this agent can name (in its environments), never a connection URL
export const GET = withAgent({ scope: ["requests:create", "requests:read"] }, async ({ prisma, agent }) => {
  return json({ resources: await listResourcesForAgent(prisma, agent) });
});
