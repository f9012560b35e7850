import { withAgent, json } from "@/lib/http/with-agent";
import { config } from "@/lib/env";
import { database } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getRequestForAgent, waitForDecision, WaitSeconds } from "@/lib/requests";
import { untilShutdown } from "@/lib/server/shutdown";
import { methodNotAllowed } from "@/lib/http/methods";

// GET /api/v1/requests/{id}[?wait=N] — the agent reads its request, long-polling up to 60 s for a decision
export const GET = withAgent({ scope: "requests:read" }, async ({ prisma, agent, params, url, req }) => {
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

// POST, PUT, PATCH, DELETE /api/v1/requests/{id} — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["GET"]);
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
