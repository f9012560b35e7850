import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listAgents } from "@/lib/agents";
import { agentActivity, type AgentActivity } from "@/lib/agents/activity";
import { operationHeadline } from "@/lib/dashboard/operation-headline";
import { RiskBadge, StatusBadge } from "@/components/badges";
import Link from "next/link";
import { listUsers } from "@/lib/users";
import { listEnvironments } from "@/lib/environments";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { ActionButton } from "@/components/action-form";
import { RelativeTime } from "@/components/relative-time";
import { SafeText } from "@/components/safe-text";
import { Forbidden, PageHeader, Panel } from "@/components/ui";
import { CreateAgentForm, CreateKeyForm, EditAgentForm } from "./agent-forms";
import { liftQuarantineAction, revokeKeyAction, setAgentDisabledAction } from "./actions";

export const metadata: Metadata = { title: "Agents" };

const ACTIVITY_DAYS = 7;
const OUTCOMES = ["pending", "cooling_down", "approved", "executed", "failed", "denied", "expired", "revoked", "cancelled"];

// Admin: agents, their scopes and keys.
export default async function AgentsPage() {
  const reviewer = await requirePageReviewer("/agents");
  if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
  const prisma = await db();
  const now = new Date();
  const [agents, users, environments, activity] = await Promise.all([
    listAgents(prisma),
    listUsers(prisma),
    listEnvironments(prisma),
    agentActivity(prisma, new Date(now.getTime() - ACTIVITY_DAYS * 24 * 3600_000)),
  ]);
  const owners = users.filter((u) => !u.disabledAt).map((u) => ({ id: u.id, email: u.email, name: u.name }));

  return (
    <div className="space-y-4">
      <PageHeader title="Agents" description="Machine identities. Each has its own keys, environments and scopes, and an owner who cannot approve it." />
      <Panel id="create-agent" title="Create agent">
        <CreateAgentForm users={owners} environments={environments} />
      </Panel>

      {agents.length === 0 && <p className="text-sm text-zinc-600 dark:text-zinc-400">No agents yet.</p>}
      <ul className="space-y-3" aria-label="Agents">
        {agents.map((agent) => {
          const disabled = agent.disabledAt !== null;
          return (
            <li key={agent.id}>
              <Panel
                id={`agent-${agent.id}`}
                title={
                  <span className="flex flex-wrap items-center gap-2">
                    <span className="font-mono">{agent.name}</span>
                    {agent.quarantinedAt && (
                      <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                        Quarantined
                      </span>
                    )}
                    {disabled ? (
                      <span className="rounded bg-red-100 px-1.5 py-0.5 text-xs font-semibold text-red-900 dark:bg-red-950 dark:text-red-200">Disabled</span>
                    ) : (
                      <span className="rounded bg-emerald-50 px-1.5 py-0.5 text-xs font-semibold text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">Enabled</span>
                    )}
                  </span>
                }
                actions={
                  <span className="flex flex-wrap gap-2">
                  {agent.quarantinedAt && (
                    <ActionButton
                      action={liftQuarantineAction}
                      fields={{ agentId: agent.id }}
                      label="Lift quarantine"
                      ariaLabel={`Lift quarantine of agent ${agent.name}`}
                      variant="secondary"
                    />
                  )}
                  <ActionButton
                    action={setAgentDisabledAction}
                    fields={{ agentId: agent.id, disabled: String(!disabled) }}
                    label={disabled ? "Enable" : "Disable"}
                    ariaLabel={`${disabled ? "Enable" : "Disable"} agent ${agent.name}`}
                    variant={disabled ? "secondary" : "subtle"}
                  />
                  </span>
                }
              >
                <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-3">
                  {agent.quarantinedAt && (
                    <div className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 sm:col-span-3 dark:border-amber-700 dark:bg-amber-950/60">
                      <dt className="text-xs font-semibold text-amber-900 dark:text-amber-200">Why it is quarantined</dt>
                      <dd className="break-words text-amber-950 dark:text-amber-100">
                        <SafeText text={agent.quarantineReason ?? "No reason was recorded."} />
                      </dd>
                    </div>
                  )}
                  <div>
                    <dt className="text-xs text-zinc-600 dark:text-zinc-400">Owner</dt>
                    <dd>{agent.owner?.email ?? "No owner"}</dd>
                  </div>
                  <div>
                    <dt className="text-xs text-zinc-600 dark:text-zinc-400">Environments</dt>
                    <dd className="font-mono text-xs">{agent.environments.join(", ")}</dd>
                  </div>
                  <div>
                    <dt className="text-xs text-zinc-600 dark:text-zinc-400">Resources</dt>
                    <dd className="font-mono text-xs">{agent.resources.join(", ")}</dd>
                  </div>
                  <div>
                    <dt className="text-xs text-zinc-600 dark:text-zinc-400">Scopes</dt>
                    <dd className="font-mono text-xs">{agent.scopes.join(", ")}</dd>
                  </div>
                  {agent.description && (
                    <div className="sm:col-span-3">
                      <dt className="text-xs text-zinc-600 dark:text-zinc-400">Description</dt>
                      <dd>{agent.description}</dd>
                    </div>
                  )}
                </dl>

                <Activity activity={activity.get(agent.id)} />

                <details className="mt-3">
                  <summary className="cursor-pointer rounded text-sm font-medium text-zinc-700 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-zinc-300 dark:hover:text-zinc-100">
                    Edit environments, resources, scopes, owner and description
                  </summary>
                  <div className="mt-3">
                    <EditAgentForm
                      agent={{ id: agent.id, name: agent.name, description: agent.description, ownerId: agent.ownerId, environments: agent.environments, resources: agent.resources, scopes: agent.scopes }}
                      users={owners}
                      environments={environments}
                    />
                  </div>
                </details>

                <h3 className="mt-4 mb-1 text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400">Keys</h3>
                <div className="overflow-x-auto">
                  <table className="w-full text-left text-sm">
                    <thead className="text-xs text-zinc-600 dark:text-zinc-400">
                      <tr>
                        <th scope="col" className="py-1 pr-3 font-medium">Key ID</th>
                        <th scope="col" className="py-1 pr-3 font-medium">Label</th>
                        <th scope="col" className="py-1 pr-3 font-medium">Created</th>
                        <th scope="col" className="py-1 pr-3 font-medium">Last used</th>
                        <th scope="col" className="py-1 pr-3 font-medium">State</th>
                        <th scope="col" className="py-1 font-medium"><span className="sr-only">Actions</span></th>
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
                      {agent.keys.map((key) => {
                        const expired = key.expiresAt !== null && key.expiresAt <= now;
                        const state = key.revokedAt ? "Revoked" : expired ? "Expired" : "Active";
                        return (
                          <tr key={key.id}>
                            <td className="py-1.5 pr-3 font-mono text-xs">{key.lookupId}</td>
                            <td className="py-1.5 pr-3">{key.label}</td>
                            <td className="py-1.5 pr-3 text-xs whitespace-nowrap"><RelativeTime at={key.createdAt.toISOString()} /></td>
                            <td className="py-1.5 pr-3 text-xs whitespace-nowrap">{key.lastUsedAt ? <RelativeTime at={key.lastUsedAt.toISOString()} /> : "Never"}</td>
                            <td className={`py-1.5 pr-3 text-xs font-medium ${state === "Active" ? "text-emerald-700 dark:text-emerald-400" : "text-zinc-500"}`}>{state}</td>
                            <td className="py-1.5 text-right">
                              {!key.revokedAt && (
                                <ActionButton action={revokeKeyAction} fields={{ keyId: key.id }} label="Revoke" ariaLabel={`Revoke key ${key.lookupId}`} variant="subtle" confirm={`Revoke key ${key.lookupId}? Anything using it stops working at once.`} />
                              )}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                <div className="mt-3">
                  <CreateKeyForm agentId={agent.id} agentName={agent.name} />
                </div>
              </Panel>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** What the agent has been asking for: its last week by outcome and its latest requests. */
function Activity({ activity }: { activity?: AgentActivity }) {
  return (
    <section aria-label="Recent activity" className="mt-4">
      <h3 className="mb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">Last {ACTIVITY_DAYS} days</h3>
      {!activity ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No requests in the last {ACTIVITY_DAYS} days.</p>
      ) : (
        <>
          <p className="text-sm">
            <strong className="tabular-nums">{activity.total.toLocaleString("en")}</strong> request{activity.total === 1 ? "" : "s"}
            {": "}
            {OUTCOMES.filter((status) => activity.counts[status])
              .map((status) => `${activity.counts[status].toLocaleString("en")} ${status.replace("_", " ")}`)
              .join(" · ")}
          </p>
          <ul className="mt-2 divide-y divide-zinc-100 rounded-md border border-zinc-200 text-sm dark:divide-zinc-800 dark:border-zinc-800">
            {activity.recent.map((request) => (
              <li key={request.id} className="flex flex-wrap items-center gap-x-2 gap-y-1 px-3 py-1.5">
                <StatusBadge status={request.status} />
                <RiskBadge level={request.riskLevel} />
                <Link href={`/requests/${request.id}`} className="min-w-0 flex-1 truncate font-mono text-xs underline-offset-2 hover:underline">
                  <SafeText text={operationHeadline(request.kind, request.operation)} />
                </Link>
                <span className="text-xs whitespace-nowrap text-zinc-600 dark:text-zinc-400">
                  <SafeText text={request.resource} /> · <SafeText text={request.environment} /> · <RelativeTime at={request.createdAt.toISOString()} />
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
