import { withAgent, json } from "@/lib/http/with-agent";
import { listResources } from "@/lib/resources";

// GET /api/v1/resources — the resources an agent can name, with their environments (never a connection URL)
export const GET = withAgent({ scope: ["requests:create", "requests:read"] }, async ({ prisma }) => {
  const resources = await listResources(prisma);
  return json({ resources: resources.map(({ name, environment, kind, description }) => ({ name, environment, kind, description })) });
});
