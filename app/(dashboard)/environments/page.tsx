import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listEnvironments } from "@/lib/environments";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { EnvironmentBadge } from "@/components/badges";
import { Forbidden, PageHeader, Panel, PanelTable } from "@/components/ui";
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
        <PanelTable columns={["Environment", "Description", "Tier"]}>
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
        </PanelTable>
      </Panel>
    </div>
  );
}
