import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listEnvironments } from "@/lib/environments";
import { listResources } from "@/lib/resources";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { ActionButton } from "@/components/action-form";
import { EnvironmentBadge } from "@/components/badges";
import { RelativeTime } from "@/components/relative-time";
import { Forbidden, PageHeader, Panel, PanelTable } from "@/components/ui";
import { RegisterResourceForm, ReplaceUrlForm } from "./resource-forms";
import { removeResourceAction } from "./actions";

export const metadata: Metadata = { title: "Resources" };

// Admin: the databases Countersign's built-in executor runs statements on. Connection URLs are
// write-only here: this page never reads one.
export default async function ResourcesPage() {
  const reviewer = await requirePageReviewer("/resources");
  if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
  const prisma = await db();
  const [resources, environments] = await Promise.all([listResources(prisma), listEnvironments(prisma)]);
  // An environment that is not defined counts as production (fail closed).
  const tiers = new Map(environments.map((env) => [env.name, env.tier]));
  const now = new Date().toISOString();
  return (
    <div className="space-y-4">
      <PageHeader
        title="Resources"
        description="Databases agents reach only through Countersign: it measures each statement read-only, asks policy and people, then runs it once. Agents never hold these credentials."
      />
      <Panel id="register-resource" title="Register resource">
        <RegisterResourceForm environments={environments.map((env) => ({ name: env.name, tier: env.tier }))} />
      </Panel>
      <Panel id="resource-list" title={`${resources.length} ${resources.length === 1 ? "resource" : "resources"}`}>
        {resources.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No resources yet.</p>
        ) : (
          <PanelTable columns={["Name", "Environment", "Kind", "Description", "Created", "Connection URL", ""]}>
            {resources.map((resource) => (
              <tr key={resource.id}>
                <td className="px-4 py-2 font-mono text-xs break-all">{resource.name}</td>
                <td className="px-4 py-2">
                  <EnvironmentBadge name={resource.environment} production={(tiers.get(resource.environment) ?? "production") === "production"} />
                </td>
                <td className="px-4 py-2 text-xs">{resource.kind}</td>
                <td className="px-4 py-2 text-zinc-600 dark:text-zinc-400">{resource.description}</td>
                <td className="px-4 py-2 text-xs whitespace-nowrap">
                  <RelativeTime at={resource.createdAt} now={now} />
                </td>
                <td className="px-4 py-2">
                  <ReplaceUrlForm name={resource.name} />
                </td>
                <td className="px-4 py-2 text-right">
                  <ActionButton
                    action={removeResourceAction}
                    fields={{ name: resource.name }}
                    label="Remove"
                    ariaLabel={`Remove resource ${resource.name}`}
                    variant="subtle"
                    confirm={`Remove ${resource.name}? Agents can no longer run SQL on it through Countersign.`}
                  />
                </td>
              </tr>
            ))}
          </PanelTable>
        )}
      </Panel>
    </div>
  );
}
