import { withAgent, json, countAuthFailure } from "@/lib/http/with-agent";
import { clientAddress } from "@/lib/http/client-address";
import { config } from "@/lib/env";
import { redeemGrant, RedeemGrant } from "@/lib/requests";
import { methodNotAllowed } from "@/lib/http/methods";

// POST /api/v1/grants/redeem — an executor spends a grant, once, for exactly the approved operation
export const POST = withAgent({ scope: ["requests:create", "requests:read", "grants:redeem"], body: RedeemGrant }, async ({ prisma, agent, key, body, req }) =>
  json(await redeemGrant(prisma, config(), { agent, key }, body, () => countAuthFailure(prisma, clientAddress(req.headers), "grant"))),
);

// GET, HEAD, PUT, PATCH, DELETE /api/v1/grants/redeem — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["POST"]);
export { otherMethod as GET, otherMethod as HEAD, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
