import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listEnvironments } from "@/lib/environments";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { EnvironmentBadge } from "@/components/badges";
import { Forbidden, PageHeader, Panel, PanelTable } from "@/components/ui";
import { BindingsForm, CreateEnvironmentForm, TierForm } from "./environment-forms";

export const metadata: Metadata = { title: "Environments" };

// Admin: environments, their tier, and the hosts and resource names declared to belong to them.
// An environment that is not listed counts as production.
export default async function EnvironmentsPage() {
  const reviewer = await requirePageReviewer("/environments");
  if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
  const environments = await listEnvironments(await db());
  return (
    <div className="space-y-4">
      <PageHeader
        title="Environments"
        description="Policy treats production-tier environments more strictly. A name that is not defined here counts as production. A request on a declared host or resource name is in that environment, whatever the agent says."
      />
      <Panel id="add-environment" title="Add environment">
        <CreateEnvironmentForm />
      </Panel>
      <Panel id="environment-list" title={`${environments.length} environments`}>
        <PanelTable columns={["Environment", "Description", "Tier", "Hosts and resource names"]}>
          {environments.map((env) => (
            <tr key={env.name}>
              <td className="px-4 py-2">
                <EnvironmentBadge name={env.name} production={env.tier === "production"} />
              </td>
              <td className="px-4 py-2 text-zinc-600 dark:text-zinc-400">{env.description}</td>
              <td className="px-4 py-2">
                <TierForm name={env.name} tier={env.tier} />
              </td>
              <td className="px-4 py-2 align-top text-xs">
                <DeclaredList label="Hosts" entries={env.hosts} />
                <DeclaredList label="Resource names" entries={env.resourcePatterns} />
                <details className="mt-1">
                  <summary className="cursor-pointer text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100">
                    Edit<span className="sr-only"> hosts and resource names of {env.name}</span>
                  </summary>
                  <BindingsForm name={env.name} hosts={env.hosts} resourcePatterns={env.resourcePatterns} />
                </details>
              </td>
            </tr>
          ))}
        </PanelTable>
      </Panel>
    </div>
  );
}

function DeclaredList({ label, entries }: { label: string; entries: string[] }) {
  return (
    <div>
      <span className="text-zinc-600 dark:text-zinc-400">{label}:</span>{" "}
      {entries.length === 0 ? (
        <span className="text-zinc-400">none</span>
      ) : (
        <ul className="inline">
          {entries.map((entry, i) => (
            <li key={entry} className="inline font-mono break-all">
              {entry}
              {i < entries.length - 1 ? ", " : ""}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
