"use client";

import { useActionState, useId } from "react";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import { ActionFeedback, type ActionResult } from "@/components/action-form";
import { createEnvironmentAction, setBindingsAction, setTierAction, type BindingsResult } from "./actions";

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

/**
 * An environment's declared hosts and resource names: requests whose resource or HTTP host matches
 * one belong to this environment, whatever the agent says. One entry a line (or comma-separated).
 */
export function BindingsForm({ name, hosts, resourcePatterns }: { name: string; hosts: string[]; resourcePatterns: string[] }) {
  const [state, action, pending] = useActionState<BindingsResult, FormData>(setBindingsAction, {});
  const id = useId();
  // `hosts.2` is the third line: say so next to the field.
  const errorsFor = (field: string) =>
    Object.entries(state.fieldErrors ?? {}).flatMap(([key, message]) => {
      if (key === field) return [message];
      const entry = new RegExp(`^${field}\\.(\\d+)$`).exec(key);
      return entry ? [`Entry ${Number(entry[1]) + 1}: ${message}`] : [];
    });
  const bindingField = (fieldName: "hosts" | "resourcePatterns", label: string, saved: string[], placeholder: string) => {
    const errors = errorsFor(fieldName);
    return (
      <div className="min-w-48 flex-1">
        <label htmlFor={`${id}-${fieldName}`} className={labelClass}>
          {label}
          <span className="sr-only"> that belong to {name}</span>
        </label>
        <textarea
          id={`${id}-${fieldName}`}
          name={fieldName}
          rows={3}
          maxLength={30_000}
          spellCheck={false}
          autoComplete="off"
          placeholder={placeholder}
          defaultValue={state.values?.[fieldName] ?? saved.join("\n")}
          aria-invalid={errors.length > 0 || undefined}
          aria-describedby={errors.length > 0 ? `${id}-${fieldName}-error` : undefined}
          className={`${inputClass} mt-1 font-mono text-xs`}
        />
        {errors.length > 0 && (
          <p id={`${id}-${fieldName}-error`} className="mt-1 text-xs text-red-700 dark:text-red-400">
            {errors.join(" ")}
          </p>
        )}
      </div>
    );
  };
  return (
    <form action={action} className="mt-2 space-y-2">
      <input type="hidden" name="name" value={name} />
      <div className="flex flex-wrap gap-3">
        {bindingField("hosts", "Hosts", hosts, "api.staging.example.com\n*.staging.internal")}
        {bindingField("resourcePatterns", "Resource names", resourcePatterns, "postgres/staging-*")}
      </div>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">One a line or comma-separated; “*” matches any run of characters.</p>
      <div className="flex flex-wrap items-center gap-1.5">
        <button type="submit" disabled={pending} className={buttonStyles.secondary} aria-label={`Save hosts and resource names of ${name}`}>
          Save
        </button>
        {/* The field messages stand beside the fields; here only that nothing was saved. */}
        <ActionFeedback state={Object.keys(state.fieldErrors ?? {}).length > 0 ? { error: "Not saved: see the entries above." } : state} />
      </div>
    </form>
  );
}
