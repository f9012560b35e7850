import type { Metadata } from "next";
import { db } from "@/lib/db";
import { getSlackSettings, maskWebhook } from "@/lib/notify";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { Forbidden, PageHeader, Panel } from "@/components/ui";
import { SlackBotForm, SlackForm } from "./settings-forms";

export const metadata: Metadata = { title: "Settings" };

// Admin: Slack notifications for new pending requests and decisions (incoming webhook or a Slack app's bot).
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
        <SlackForm configured={Boolean(slack.webhookUrl || slack.bot)} />
      </Panel>
      <Panel id="slack-bot" title="Slack app (bot token)">
        <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
          With a Slack app&apos;s bot token (scope <code className="font-mono text-xs">chat:write</code>, the app invited to the channel), each
          request is posted once and its message is updated in place as approvals arrive and when it is decided, run or expires; partial
          approvals are also replied in the message&apos;s thread. It takes precedence over the webhook.
        </p>
        <p className="mb-4 text-sm">
          {slack.bot ? (
            <>
              In force: channel <code className="font-mono text-xs">{slack.bot.channelId}</code>{" "}
              <span className="text-zinc-500 dark:text-zinc-400">({slack.bot.source === "environment" ? "from SLACK_BOT_TOKEN and SLACK_CHANNEL_ID" : "set here"})</span>
            </>
          ) : (
            <span className="text-zinc-600 dark:text-zinc-400">No bot token is configured.</span>
          )}
        </p>
        <SlackBotForm stored={slack.bot?.source === "settings"} channelId={slack.bot?.source === "settings" ? slack.bot.channelId : ""} />
      </Panel>
    </div>
  );
}
