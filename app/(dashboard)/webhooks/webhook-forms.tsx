"use client";

import { useActionState, useId } from "react";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import { CopyButton } from "@/components/copy-button";
import { addWebhookAction, type AddWebhookResult } from "./actions";

const EVENT_HELP: Record<string, string> = {
  "request.created": "an agent asked (whatever policy decided)",
  "request.decided": "approved, denied, expired, cancelled or revoked",
  "request.executed": "the agent reported it ran",
  "request.failed": "the agent reported it failed",
  "agent.quarantined": "the circuit breaker stopped an agent",
  "audit.checkpoint": "a signed audit checkpoint",
};

export function AddWebhookForm({ eventTypes }: { eventTypes: readonly string[] }) {
  const [state, add, adding] = useActionState<AddWebhookResult, FormData>(addWebhookAction, {});
  const id = useId();
  return (
    <div className="space-y-3">
      {state.error && <Notice tone="error">{state.error}</Notice>}
      {state.secret && (
        <Notice tone="success" role="status">
          <p>{state.done} Its signing secret is shown this once: give it to the receiver now.</p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code aria-label="Signing secret" className="rounded bg-white px-2 py-1 font-mono text-xs break-all dark:bg-zinc-900">
              {state.secret}
            </code>
            <CopyButton value={state.secret} label="Copy secret" />
          </div>
        </Notice>
      )}
      <form action={add} className="space-y-3">
        <div className="flex flex-wrap gap-2">
          <div className="min-w-0 flex-1 basis-72">
            <label htmlFor={`${id}-url`} className={labelClass}>
              Endpoint URL
            </label>
            <input id={`${id}-url`} name="url" type="url" required autoComplete="off" spellCheck={false} placeholder="https://siem.example.com/countersign" aria-describedby={`${id}-url-help`} className={`${inputClass} mt-1 font-mono`} />
            <p id={`${id}-url-help`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
              https only (plain http only to localhost); never Countersign itself or a cloud metadata address.
            </p>
          </div>
          <div className="min-w-0 flex-1 basis-48">
            <label htmlFor={`${id}-description`} className={labelClass}>
              Description
            </label>
            <input id={`${id}-description`} name="description" maxLength={200} placeholder="Security SIEM" className={`${inputClass} mt-1`} />
          </div>
        </div>
        <fieldset>
          <legend className={labelClass}>Events</legend>
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {eventTypes.map((type) => (
              <label key={type} className="flex items-start gap-2 text-sm">
                <input type="checkbox" name="events" value={type} defaultChecked={type !== "audit.checkpoint"} className="mt-1" />
                <span>
                  <code className="font-mono text-xs">{type}</code> <span className="text-zinc-500 dark:text-zinc-400">— {EVENT_HELP[type] ?? ""}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" disabled={adding} className={buttonStyles.primary}>
          {adding ? "Adding…" : "Add webhook"}
        </button>
      </form>
    </div>
  );
}
