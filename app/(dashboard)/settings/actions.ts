"use server";

import { refresh } from "next/cache";
import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { removeSlackBotSettings, saveSlackBotSettings, saveSlackSettings, sendTestNotification } from "@/lib/notify";
import { requireActionReviewer } from "@/lib/auth/session";
import { actionError, formString, type ActionResult } from "@/lib/dashboard/action-result";

// Server action: stores the Slack webhook (empty removes it; SLACK_WEBHOOK_URL then applies).
export async function saveSlackAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const url = formString(form, "webhookUrl");
    const after = await saveSlackSettings(await db(), { webhookUrl: url || null }, { type: "user", id: admin.id });
    refresh();
    return {
      done: url
        ? "Saved. New pending requests will be posted to this webhook."
        : after.source === "environment"
          ? "Removed. The webhook from SLACK_WEBHOOK_URL applies."
          : "Removed. Slack notifications are off.",
    };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: stores the Slack app's bot token (encrypted; empty keeps the stored one) and channel.
export async function saveSlackBotAction(_prev: ActionResult, form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    await saveSlackBotSettings(await db(), { botToken: formString(form, "botToken"), channelId: formString(form, "channelId") }, { type: "user", id: admin.id });
    refresh();
    return { done: "Saved. New pending requests are posted by the bot, and their cards are kept current." };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: removes the stored bot token and channel.
export async function removeSlackBotAction(_prev: ActionResult, _form: FormData): Promise<ActionResult> {
  try {
    const admin = await requireActionReviewer("admin");
    const after = await removeSlackBotSettings(await db(), { type: "user", id: admin.id });
    refresh();
    return {
      done: after.bot
        ? "Removed. The bot from SLACK_BOT_TOKEN applies."
        : after.webhookUrl
          ? "Removed. Messages go to the incoming webhook again (posts only)."
          : "Removed. Slack notifications are off.",
    };
  } catch (error) {
    return actionError(error);
  }
}

// Server action: posts a test message to the webhook in force.
export async function sendTestAction(_prev: ActionResult, _form: FormData): Promise<ActionResult> {
  try {
    await requireActionReviewer("admin");
    const result = await sendTestNotification(await db(), config());
    if (result.ok) return { done: "Test message sent. Check the Slack channel." };
    return { error: `Slack did not accept the test message${result.status ? ` (HTTP ${result.status})` : ""}: ${result.error ?? "unknown error"}` };
  } catch (error) {
    return actionError(error);
  }
}
