import type { Metadata } from "next";
import { db } from "@/lib/db";
import { getSlackSettings, maskWebhook } from "@/lib/notify";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { Forbidden, PageHeader, Panel } from "@/components/ui";
import { SlackForm } from "./settings-forms";

export const metadata: Metadata = { title: "Settings" };

// Admin: Slack notifications for new pending requests and decisions.
export default async function SettingsPage() {
  const reviewer = await requirePageReviewer("/settings");
  if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
  const slack = await getSlackSettings(await db());
  return (
    <div className="space-y-4">
      <PageHeader title="Settings" />
      <Panel id="slack" title="Slack notifications">
        <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
          New pending requests are posted to Slack with a link to the request page. Slack never carries the authority to approve.
        </p>
        <p className="mb-4 text-sm">
          {slack.webhookUrl ? (
            <>
              In force: <code className="font-mono text-xs">{maskWebhook(slack.webhookUrl)}</code>{" "}
              <span className="text-zinc-500 dark:text-zinc-400">({slack.source === "environment" ? "from SLACK_WEBHOOK_URL" : "set here"})</span>
            </>
          ) : (
            <span className="text-zinc-600 dark:text-zinc-400">No webhook is configured: Slack notifications are off.</span>
          )}
        </p>
        <SlackForm configured={Boolean(slack.webhookUrl)} />
      </Panel>
    </div>
  );
}
