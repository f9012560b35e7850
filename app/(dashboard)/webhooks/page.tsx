import type { Metadata } from "next";
import { db } from "@/lib/db";
import { listWebhookEndpoints, WEBHOOK_EVENT_TYPES, type WebhookDeliveryView } from "@/lib/webhooks";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { ActionButton } from "@/components/action-form";
import { RelativeTime } from "@/components/relative-time";
import { Forbidden, PageHeader, Panel, PanelTable } from "@/components/ui";
import { AddWebhookForm } from "./webhook-forms";
import { removeWebhookAction, setWebhookEnabledAction } from "./actions";

export const metadata: Metadata = { title: "Webhooks" };

// Admin: outgoing webhook endpoints (Standard Webhooks, signed) and their recent deliveries with
// each one's last attempt. Secrets are shown once, when an endpoint is added; never here after.
export default async function WebhooksPage() {
  const reviewer = await requirePageReviewer("/webhooks");
  if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
  const endpoints = await listWebhookEndpoints(await db(), { deliveries: 10 });
  const now = new Date().toISOString();
  return (
    <div className="space-y-4">
      <PageHeader
        title="Webhooks"
        description="Countersign POSTs signed events (Standard Webhooks) to these endpoints: a SIEM or on-call tool can follow requests, decisions, outcomes, quarantines and audit checkpoints without Slack. Failed deliveries are retried with backoff for about ten hours."
      />
      <Panel id="add-webhook" title="Add webhook">
        <AddWebhookForm eventTypes={WEBHOOK_EVENT_TYPES} />
      </Panel>
      {endpoints.length === 0 ? (
        <Panel id="webhook-list" title="No webhooks">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No endpoints yet: events go nowhere but the audit log (and Slack, if set).</p>
        </Panel>
      ) : (
        endpoints.map((endpoint) => (
          <Panel
            key={endpoint.id}
            id={`webhook-${endpoint.id}`}
            title={
              <span className="flex flex-wrap items-center gap-2">
                <span className="font-mono text-sm break-all">{endpoint.url}</span>
                <span className={`rounded px-1.5 py-0.5 text-xs ${endpoint.enabled ? "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300" : "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"}`}>
                  {endpoint.enabled ? "Enabled" : "Disabled"}
                </span>
              </span>
            }
            actions={
              <span className="flex flex-wrap gap-2">
                <ActionButton
                  action={setWebhookEnabledAction}
                  fields={{ id: endpoint.id, enabled: String(!endpoint.enabled) }}
                  label={endpoint.enabled ? "Disable" : "Enable"}
                  ariaLabel={`${endpoint.enabled ? "Disable" : "Enable"} webhook ${endpoint.url}`}
                />
                <ActionButton
                  action={removeWebhookAction}
                  fields={{ id: endpoint.id }}
                  label="Remove"
                  ariaLabel={`Remove webhook ${endpoint.url}`}
                  variant="subtle"
                  confirm={`Remove the webhook to ${endpoint.url}? Its delivery history goes too.`}
                />
              </span>
            }
          >
            <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
              {endpoint.description ? `${endpoint.description} · ` : ""}
              Events: {endpoint.events.map((e) => <code key={e} className="mr-1 font-mono text-xs">{e}</code>)}· added <RelativeTime at={endpoint.createdAt.toISOString()} now={now} />
            </p>
            {endpoint.recentDeliveries.length === 0 ? (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">No deliveries yet.</p>
            ) : (
              <PanelTable columns={["Event", "Status", "Attempts", "Last attempt", "Result", "webhook-id"]}>
                {endpoint.recentDeliveries.map((d) => (
                  <tr key={d.id}>
                    <td className="px-4 py-2 font-mono text-xs">{d.eventType}</td>
                    <td className="px-4 py-2 text-xs">
                      <DeliveryStatus delivery={d} now={now} />
                    </td>
                    <td className="px-4 py-2 text-xs">{d.attempts}</td>
                    <td className="px-4 py-2 text-xs whitespace-nowrap">{d.lastAttemptAt ? <RelativeTime at={d.lastAttemptAt.toISOString()} now={now} /> : "—"}</td>
                    <td className="px-4 py-2 text-xs break-all">{d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : ""}{d.lastError && d.lastStatusCode ? " · " : ""}{d.lastError && d.status !== "delivered" ? d.lastError : ""}</td>
                    <td className="px-4 py-2 font-mono text-xs">{d.id}</td>
                  </tr>
                ))}
              </PanelTable>
            )}
          </Panel>
        ))
      )}
    </div>
  );
}

function DeliveryStatus({ delivery, now }: { delivery: WebhookDeliveryView; now: string }) {
  if (delivery.status === "delivered") return <span className="text-emerald-700 dark:text-emerald-400">Delivered</span>;
  if (delivery.status === "failed") return <span className="font-medium text-red-700 dark:text-red-400">Failed (gave up)</span>;
  return (
    <span className="text-amber-800 dark:text-amber-300">
      {delivery.attempts === 0 ? "Queued" : "Retrying"}
      {delivery.nextAttemptAt && delivery.attempts > 0 ? (
        <>
          {" "}
          (next <RelativeTime at={delivery.nextAttemptAt.toISOString()} now={now} />)
        </>
      ) : null}
    </span>
  );
}
