import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { reportOutcome, ReportOutcome } from "@/lib/requests";

// POST /api/v1/requests/{id}/outcome — the redeemer reports whether the operation ran
export const POST = withAgent({ scope: ["requests:create", "requests:read", "grants:redeem"], body: ReportOutcome }, async ({ prisma, agent, key, params, body }) =>
  json(await reportOutcome(prisma, config(), { agent, key }, params.id, body)),
);
