import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listEnvironments } from "@/lib/environments";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { EnvironmentBadge } from "@/components/badges";
import { Forbidden, PageHeader, Panel } from "@/components/ui";
import { CreateEnvironmentForm, TierForm } from "./environment-forms";

export const metadata: Metadata = { title: "Environments" };

// Admin: environments and their tier. An environment that is not listed counts as production.
export default async function EnvironmentsPage() {
  const reviewer = await requirePageReviewer("/environments");
  if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
  const environments = await listEnvironments(await db());
  return (
    <div className="space-y-4">
      <PageHeader title="Environments" description="Policy treats production-tier environments more strictly. A name that is not defined here counts as production." />
      <Panel id="add-environment" title="Add environment">
        <CreateEnvironmentForm />
      </Panel>
      <Panel id="environment-list" title={`${environments.length} environments`}>
        <div className="-m-4 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-zinc-200 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Environment</th>
                <th scope="col" className="px-4 py-2 font-medium">Description</th>
                <th scope="col" className="px-4 py-2 font-medium">Tier</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {environments.map((env) => (
                <tr key={env.name}>
                  <td className="px-4 py-2">
                    <EnvironmentBadge name={env.name} production={env.tier === "production"} />
                  </td>
                  <td className="px-4 py-2 text-zinc-600 dark:text-zinc-400">{env.description}</td>
                  <td className="px-4 py-2">
                    <TierForm name={env.name} tier={env.tier} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Panel>
    </div>
  );
}
