import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { createRequest, CreateRequest } from "@/lib/requests";
import { methodNotAllowed } from "@/lib/http/methods";

// POST /api/v1/requests — an agent asks to run an operation
export const POST = withAgent({ scope: "requests:create", body: CreateRequest }, async ({ prisma, agent, key, body, req }) => {
  const { view } = await createRequest(prisma, config(), {
    caller: { agent, key },
    body,
    idempotencyKey: req.headers.get("idempotency-key"),
  });
  // An Idempotency-Key replay gets the same response as the first call: 201 and the request.
  return json(view, { status: 201, headers: { location: `/api/v1/requests/${view.id}` } });
});

// GET, HEAD, PUT, PATCH, DELETE /api/v1/requests — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["POST"]);
export { otherMethod as GET, otherMethod as HEAD, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
