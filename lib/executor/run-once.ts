// What every built-in executor shares on the way from a request to running it once: the resource
// the agent names (hidden like a missing one outside its patterns), the registration the request
// stays bound to, and how long an agent may wait.
import type { Database } from "../db";
import type { Config } from "../env";
import type { AuthenticatedAgent } from "../agents";
import { getResourceForAgent, resourceConnection, type ResourceView } from "../resources";
import { recordAudit } from "../audit";
import { AppError, isAppError } from "../errors";

export const WAITING = new Set(["pending", "cooling_down"]);

export function clampWait(seconds: number | undefined): number {
  return Math.max(0, Math.min(60, seconds ?? 0));
}

/** The resource an agent names, of the kind the executor runs; outside its patterns it answers like a missing one (audited). */
export async function resourceForAgent(prisma: Database["prisma"], caller: AuthenticatedAgent, name: string, kind: string): Promise<ResourceView> {
  const resource = await getResourceForAgent(prisma, caller.agent, name).catch(async (error) => {
    if (isAppError(error) && error.code === "not_found") {
      await recordAudit(prisma, { type: "request.refused", actor: { type: "agent", id: caller.agent.id }, data: { reason: "resource_not_found", resource: name, keyId: caller.key.id } });
    }
    throw error;
  });
  if (resource.kind !== kind) {
    throw new AppError("resource_kind_mismatch", `${name} is a ${resource.kind} resource; use its own route (${resource.kind === "http" ? "/http" : "/sql"}).`);
  }
  return resource;
}

/**
 * The secret of the registration the request was made (and approved) against. A resource removed
 * and registered again under the same name (another id), moved to another environment, or whose
 * secret was replaced after the request was made is another target as far as the approval goes:
 * nothing runs.
 */
export async function boundRegistration(
  prisma: Database["prisma"],
  cfg: Config,
  target: { environment: string; resource: string },
  resourceId: string | null,
  requestId: string,
): Promise<{ resource: ResourceView; secret: string }> {
  const registered = await resourceConnection(prisma, cfg, target.resource).catch((error) => {
    if (isAppError(error) && error.code === "not_found") return null;
    throw error;
  });
  if (!registered || registered.resource.environment !== target.environment) {
    throw new AppError(
      "resource_not_registered",
      registered
        ? `The resource ${target.resource} is now registered in ${registered.resource.environment}, not ${target.environment} as approved. Nothing ran.`
        : `No resource named ${target.resource} is registered any more. Nothing ran.`,
    );
  }
  if (resourceId === null || registered.resource.id !== resourceId || (await replacedSince(prisma, registered.resource.id, requestId))) {
    throw new AppError(
      "resource_not_registered",
      `The resource ${target.resource} was registered again or its connection changed after this request was made. Nothing ran; ask again.`,
    );
  }
  return { resource: registered.resource, secret: registered.connectionUrl };
}

/** True when the resource's secret was replaced after the request was made (by the audit log's order, not clocks). */
async function replacedSince(prisma: Database["prisma"], resourceId: string, requestId: string): Promise<boolean> {
  const created = await prisma.auditEvent.findFirst({ where: { subjectType: "request", subjectId: requestId, type: "request.created" }, select: { seq: true } });
  if (!created) return true; // no record of when it was made: fail closed
  const rekeyed = await prisma.auditEvent.count({
    where: { subjectType: "resource", subjectId: resourceId, type: "resource.connection_updated", seq: { gt: created.seq } },
  });
  return rekeyed > 0;
}
