// The agent API's busiest routes: creating a request and reading or long-polling it. Their route
// modules under app/api/v1/requests export these, and the custom server answers the same paths
// with the same functions before Next.js sees them (lib/server/fast-path.ts), so thousands of
// waiting agents cost a socket each rather than a page request each.
import { withAgent, json } from "./agent-handler";
import { config } from "../env";
import { database } from "../db";
import { AppError } from "../errors";
import { createRequest, getRequestForAgent, waitForDecision, WaitSeconds, CreateRequest } from "../requests";
import { readIntakeFacts } from "../requests/intake";
import { untilShutdown } from "../server/shutdown";

// POST /api/v1/requests — an agent asks to run an operation. The facts intake reads (policy,
// environments, signing keys) depend on the body alone: they are read while the key is looked up.
export const createRequestRoute = withAgent(
  { scope: "requests:create", body: CreateRequest, early: (prisma, body) => readIntakeFacts(prisma, body.operation) },
  async ({ prisma, agent, key, body, req, early }) => {
    const { view } = await createRequest(prisma, config(), {
      caller: { agent, key },
      body,
      idempotencyKey: req.headers.get("idempotency-key"),
      facts: early,
    });
    // An Idempotency-Key replay gets the same response as the first call: 201 and the request.
    return json(view, { status: 201, headers: { location: `/api/v1/requests/${view.id}` } });
  },
);

// GET /api/v1/requests/{id}[?wait=N] — the agent reads its request, long-polling up to 60 s for a
// decision. A fleet reconnecting opens thousands of these within a second: their key lookups gather.
export const readRequestRoute = withAgent({ scope: "requests:read", gather: true }, async ({ prisma, agent, params, url, req }) => {
  const waitParam = url.searchParams.get("wait");
  if (waitParam === null) return json(await getRequestForAgent(prisma, config(), agent.id, params.id));
  const wait = WaitSeconds.safeParse(waitParam);
  if (!wait.success) {
    throw new AppError("validation_failed", "wait must be a whole number of seconds from 1 to 60.", [
      { field: "wait", message: "must be an integer from 1 to 60" },
    ]);
  }
  return json(await waitForDecision(await database(), config(), agent.id, params.id, wait.data, untilShutdown(req.signal)));
});
