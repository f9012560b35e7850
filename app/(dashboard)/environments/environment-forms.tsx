"use client";

import { useActionState, useId } from "react";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import { ActionFeedback, type ActionResult } from "@/components/action-form";
import { createEnvironmentAction, setTierAction } from "./actions";

export function CreateEnvironmentForm() {
  const [state, action, pending] = useActionState<ActionResult, FormData>(createEnvironmentAction, {});
  const id = useId();
  return (
    <div className="space-y-3">
      {state.error && <Notice tone="error">{state.error}</Notice>}
      {state.done && <Notice tone="success">{state.done}</Notice>}
      <form action={action} className="grid gap-3 sm:grid-cols-[1fr_12rem_2fr_auto] sm:items-end">
        <div>
          <label htmlFor={`${id}-name`} className={labelClass}>
            Name
          </label>
          <input id={`${id}-name`} name="name" required maxLength={100} autoComplete="off" className={`${inputClass} mt-1`} />
        </div>
        <div>
          <label htmlFor={`${id}-tier`} className={labelClass}>
            Tier
          </label>
          <select id={`${id}-tier`} name="tier" defaultValue="production" className={`${inputClass} mt-1`}>
            <option value="production">production</option>
            <option value="other">other (non-production)</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-description`} className={labelClass}>
            Description
          </label>
          <input id={`${id}-description`} name="description" maxLength={500} className={`${inputClass} mt-1`} />
        </div>
        <button type="submit" disabled={pending} className={buttonStyles.primary}>
          Add environment
        </button>
      </form>
    </div>
  );
}

export function TierForm({ name, tier }: { name: string; tier: string }) {
  const [state, action, pending] = useActionState<ActionResult, FormData>(setTierAction, {});
  const id = useId();
  return (
    <form action={action} className="flex flex-wrap items-center gap-1.5">
      <input type="hidden" name="name" value={name} />
      <label htmlFor={`${id}-tier`} className="sr-only">
        Tier of {name}
      </label>
      <select id={`${id}-tier`} name="tier" defaultValue={tier} className={`${inputClass} w-auto py-1`}>
        <option value="production">production</option>
        <option value="other">other</option>
      </select>
      <button type="submit" disabled={pending} className={buttonStyles.subtle} aria-label={`Save tier of ${name}`}>
        Save tier
      </button>
      <ActionFeedback state={state} />
    </form>
  );
}
