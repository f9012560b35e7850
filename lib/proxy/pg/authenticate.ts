// Who is connecting, and to what: the password is the agent's Countersign key, checked, counted
// and refused like a bad API key; the database name is a registered PostgreSQL resource the agent
// may use. The proxy runs in the server process outside Next.js, so it shares the failure counts
// (in the database) with the HTTP API rather than with-agent's in-process lock-out.
import type { PrismaClient } from "../../db";
import { authenticateAgentKey, agentHasScope, type AuthenticatedAgent } from "../../agents";
import { FAILURE_LIMIT, failureCount, recordAuthFailure } from "../../auth/failures";
import { recordAudit } from "../../audit";
import { isAppError } from "../../errors";
import { getResourceForAgent, type ResourceView } from "../../resources";
import { SQLSTATE, type PgError } from "./sqlstate";

export const REQUIRED_SCOPE = "requests:create" as const;

export type Authenticated = { ok: true; caller: AuthenticatedAgent; resource: ResourceView } | { ok: false; error: PgError };

/**
 * A resource name from the start-up packet. Names may hold `/`; node-postgres hands on a URL's
 * database percent-encoded (`postgres%2Forders`), and a resource name never contains `%`.
 */
export function resourceNameFromDatabase(database: string): string {
  if (!database.includes("%")) return database;
  try {
    return decodeURIComponent(database);
  } catch {
    return database;
  }
}

export async function authenticateClient(
  prisma: PrismaClient,
  input: { source: string; user: string; password: string; database: string },
): Promise<Authenticated> {
  if ((await failureCount(prisma, input.source, "api_key")) >= FAILURE_LIMIT) {
    return { ok: false, error: { code: SQLSTATE.invalidAuthorization, message: "too many failed authentication attempts from this address; try again in a minute" } };
  }
  let caller: AuthenticatedAgent;
  try {
    caller = await authenticateAgentKey(prisma, input.password);
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === "invalid_api_key") {
      await recordAuthFailure(prisma, input.source, "api_key");
      return {
        ok: false,
        error: {
          code: SQLSTATE.invalidPassword,
          message: `password authentication failed for user "${input.user}"`,
          hint: "The password is the agent's Countersign key (csk_…).",
        },
      };
    }
    return { ok: false, error: { code: SQLSTATE.invalidAuthorization, message: error.message } };
  }
  if (!agentHasScope(caller.agent, REQUIRED_SCOPE)) {
    await recordAudit(prisma, {
      type: "auth.refused",
      actor: { type: "agent", id: caller.agent.id },
      data: { reason: "missing_scope", scope: REQUIRED_SCOPE, method: "pg-proxy", path: input.database },
    });
    return { ok: false, error: { code: SQLSTATE.denied, message: `This key's agent lacks the ${REQUIRED_SCOPE} scope.` } };
  }
  const name = resourceNameFromDatabase(input.database);
  let resource: ResourceView;
  try {
    resource = await getResourceForAgent(prisma, caller.agent, name);
  } catch (error) {
    if (!isAppError(error) || error.code !== "not_found") throw error;
    await recordAudit(prisma, {
      type: "request.refused",
      actor: { type: "agent", id: caller.agent.id },
      data: { reason: "resource_not_found", resource: name.slice(0, 200), keyId: caller.key.id },
    });
    return {
      ok: false,
      error: {
        code: SQLSTATE.unknownDatabase,
        message: `database "${name}" does not exist`,
        hint: "The database name is the name of a registered resource this agent may use, e.g. postgres/orders (in a URL: postgres%2Forders).",
      },
    };
  }
  if (resource.kind !== "postgres") {
    return { ok: false, error: { code: SQLSTATE.unknownDatabase, message: `"${name}" is a ${resource.kind} resource, not a PostgreSQL database` } };
  }
  return { ok: true, caller, resource };
}
