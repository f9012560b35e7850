import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listEnvironments } from "@/lib/environments";
import { listResources, type ResourceView } from "@/lib/resources";
import { HTTP_PROVIDER_CATALOGS } from "@/lib/risk/http-providers";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { ActionButton } from "@/components/action-form";
import { EnvironmentBadge } from "@/components/badges";
import { RelativeTime } from "@/components/relative-time";
import { Forbidden, PageHeader, Panel, PanelTable } from "@/components/ui";
import { RegisterResourceForm, ReplaceSecretForm } from "./resource-forms";
import { removeResourceAction } from "./actions";

export const metadata: Metadata = { title: "Resources" };

// Admin: the databases Countersign's built-in executor runs statements on and the HTTP APIs its
// credential broker calls. Connection URLs and credentials are write-only here: this page never
// reads one.
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
        description="Databases agents reach only through Countersign: it measures each statement read-only, asks policy and people, then runs it once. HTTP APIs likewise: Countersign adds the credential to each approved call. Agents never hold these credentials."
      />
      <Panel id="register-resource" title="Register resource">
        <RegisterResourceForm
          environments={environments.map((env) => ({ name: env.name, tier: env.tier }))}
          catalogs={Object.entries(HTTP_PROVIDER_CATALOGS).map(([name, entry]) => ({ name, provider: entry.provider }))}
        />
      </Panel>
      <Panel id="resource-list" title={`${resources.length} ${resources.length === 1 ? "resource" : "resources"}`}>
        {resources.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No resources yet.</p>
        ) : (
          <PanelTable columns={["Name", "Environment", "Type", "Calls", "Description", "Created", "Connection URL or credential", ""]}>
            {resources.map((resource) => (
              <tr key={resource.id}>
                <td className="px-4 py-2 font-mono text-xs break-all">{resource.name}</td>
                <td className="px-4 py-2">
                  <EnvironmentBadge name={resource.environment} production={(tiers.get(resource.environment) ?? "production") === "production"} />
                </td>
                <td className="px-4 py-2 text-xs">{resource.kind}</td>
                <td className="px-4 py-2 text-xs">
                  <HttpSummary resource={resource} />
                </td>
                <td className="px-4 py-2 text-zinc-600 dark:text-zinc-400">{resource.description}</td>
                <td className="px-4 py-2 text-xs whitespace-nowrap">
                  <RelativeTime at={resource.createdAt} now={now} />
                </td>
                <td className="px-4 py-2">
                  <ReplaceSecretForm name={resource.name} kind={resource.kind} />
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

const AUTH_LABELS: Record<string, string> = { bearer: "Bearer token", basic: "Basic (user:password)", header: "Header", query: "Query parameter" };

/** Where an HTTP resource's calls go and how the credential is sent (never the credential). */
function HttpSummary({ resource }: { resource: ResourceView }) {
  if (resource.kind !== "http" || !resource.http) return <span className="text-zinc-400">—</span>;
  const { baseUrl, auth, allowedMethods, allowedPathPrefixes, allowPrivateNetwork, catalog } = resource.http;
  return (
    <div className="space-y-0.5">
      <div className="font-mono break-all">{baseUrl}</div>
      <div className="text-zinc-600 dark:text-zinc-400">
        Credential sent as: {AUTH_LABELS[auth.type]}
        {auth.type === "header" || auth.type === "query" ? <code className="ml-1">{auth.name}</code> : null}
      </div>
      {allowedMethods.length > 0 && <div className="text-zinc-600 dark:text-zinc-400">Methods: {allowedMethods.join(", ")}</div>}
      {allowedPathPrefixes.length > 0 && <div className="text-zinc-600 dark:text-zinc-400">Paths: {allowedPathPrefixes.join(", ")}</div>}
      {catalog && <div className="text-zinc-600 dark:text-zinc-400">Catalog: {catalog}</div>}
      {allowPrivateNetwork && <div className="font-medium text-amber-800 dark:text-amber-300">Private network allowed</div>}
    </div>
  );
}
