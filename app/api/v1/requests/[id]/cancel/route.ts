import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { cancelRequest } from "@/lib/requests";

// POST /api/v1/requests/{id}/cancel — the agent withdraws its pending request
export const POST = withAgent({ scope: "requests:create" }, async ({ prisma, agent, params }) =>
  json(await cancelRequest(prisma, config(), agent.id, params.id)),
);
