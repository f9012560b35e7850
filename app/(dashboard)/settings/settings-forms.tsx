"use client";

import { useActionState, useId } from "react";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import type { ActionResult } from "@/components/action-form";
import { removeSlackBotAction, saveSlackAction, saveSlackBotAction, sendTestAction } from "./actions";

export function SlackForm({ configured }: { configured: boolean }) {
  const [saveState, save, saving] = useActionState<ActionResult, FormData>(saveSlackAction, {});
  const [testState, test, testing] = useActionState<ActionResult, FormData>(sendTestAction, {});
  const id = useId();
  return (
    <div className="space-y-3">
      {saveState.error && <Notice tone="error">{saveState.error}</Notice>}
      {saveState.done && <Notice tone="success">{saveState.done}</Notice>}
      <form action={save} className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1 basis-72">
          <label htmlFor={`${id}-url`} className={labelClass}>
            Slack webhook URL
          </label>
          <input
            id={`${id}-url`}
            name="webhookUrl"
            type="url"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="https://hooks.slack.com/services/…"
            aria-describedby={`${id}-url-help`}
            className={`${inputClass} mt-1 font-mono`}
          />
          <p id={`${id}-url-help`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            The URL is a secret: it is stored, never shown again in full, and never written to logs. Leave empty and save to remove it.
          </p>
        </div>
        <button type="submit" disabled={saving} className={buttonStyles.primary}>
          Save webhook
        </button>
      </form>
      <form action={test} className="flex flex-wrap items-center gap-2 border-t border-zinc-200 pt-3 dark:border-zinc-800">
        <button type="submit" disabled={testing || !configured} className={buttonStyles.secondary}>
          {testing ? "Sending…" : "Send test"}
        </button>
        {!configured && <span className="text-xs text-zinc-600 dark:text-zinc-400">Configure a webhook first.</span>}
        {testState.error && (
          <span role="alert" className="text-sm text-red-700 dark:text-red-400">
            {testState.error}
          </span>
        )}
        {testState.done && (
          <span role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
            {testState.done}
          </span>
        )}
      </form>
    </div>
  );
}

export function SlackBotForm({ stored, channelId }: { stored: boolean; channelId: string }) {
  const [saveState, save, saving] = useActionState<ActionResult, FormData>(saveSlackBotAction, {});
  const [removeState, remove, removing] = useActionState<ActionResult, FormData>(removeSlackBotAction, {});
  const id = useId();
  return (
    <div className="space-y-3">
      {saveState.error && <Notice tone="error">{saveState.error}</Notice>}
      {saveState.done && <Notice tone="success">{saveState.done}</Notice>}
      {removeState.error && <Notice tone="error">{removeState.error}</Notice>}
      {removeState.done && <Notice tone="success">{removeState.done}</Notice>}
      <form action={save} className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1 basis-72">
          <label htmlFor={`${id}-token`} className={labelClass}>
            Slack bot token
          </label>
          <input
            id={`${id}-token`}
            name="botToken"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder={stored ? "(stored; leave empty to keep it)" : "xoxb-…"}
            aria-describedby={`${id}-token-help`}
            className={`${inputClass} mt-1 font-mono`}
          />
          <p id={`${id}-token-help`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            A secret: stored encrypted, never shown again, never written to logs.
          </p>
        </div>
        <div className="basis-40">
          <label htmlFor={`${id}-channel`} className={labelClass}>
            Channel ID
          </label>
          <input
            id={`${id}-channel`}
            name="channelId"
            defaultValue={channelId}
            autoComplete="off"
            spellCheck={false}
            placeholder="C0123ABCD"
            className={`${inputClass} mt-1 font-mono`}
          />
        </div>
        <button type="submit" disabled={saving} className={buttonStyles.primary}>
          Save bot
        </button>
      </form>
      {stored && (
        <form action={remove} className="border-t border-zinc-200 pt-3 dark:border-zinc-800">
          <button type="submit" disabled={removing} className={buttonStyles.secondary}>
            Remove bot
          </button>
        </form>
      )}
    </div>
  );
}
