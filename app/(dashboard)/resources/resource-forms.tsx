"use client";

import { useActionState, useId } from "react";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import { ActionFeedback, type ActionResult } from "@/components/action-form";
import { registerResourceAction, replaceConnectionUrlAction } from "./actions";

/** A write-only connection URL field: a password input the browser neither fills nor offers to save. */
function ConnectionUrlInput({ id, label, describedBy, className = "" }: { id: string; label?: string; describedBy?: string; className?: string }) {
  return (
    <input
      id={id}
      name="connectionUrl"
      type="password"
      required
      maxLength={4096}
      autoComplete="off"
      spellCheck={false}
      placeholder="postgresql://user:password@host:5432/database"
      aria-label={label}
      aria-describedby={describedBy}
      className={`${inputClass} font-mono ${className}`}
    />
  );
}

export function RegisterResourceForm({ environments }: { environments: Array<{ name: string; tier: string }> }) {
  const [state, action, pending] = useActionState<ActionResult, FormData>(registerResourceAction, {});
  const id = useId();
  const fieldError = (field: string) =>
    state.fieldErrors?.[field] ? (
      <p id={`${id}-${field}-error`} className="mt-1 text-xs text-red-700 dark:text-red-400">
        {state.fieldErrors[field]}
      </p>
    ) : null;
  return (
    <div className="space-y-3">
      {state.error && <Notice tone="error">{state.error}</Notice>}
      {state.done && <Notice tone="success">{state.done}</Notice>}
      <form action={action} className="grid gap-3 sm:grid-cols-2">
        <div>
          <label htmlFor={`${id}-name`} className={labelClass}>
            Name
          </label>
          <input
            id={`${id}-name`}
            name="name"
            required
            maxLength={100}
            pattern="[a-z0-9][a-z0-9._/\-]*"
            autoComplete="off"
            placeholder="postgres/orders"
            aria-describedby={`${id}-name-help`}
            className={`${inputClass} mt-1 font-mono`}
          />
          <p id={`${id}-name-help`} className="mt-1 text-xs text-zinc-500">
            What agents name in <code>POST /api/v1/resources/&#123;name&#125;/sql</code>. Lower-case letters, digits, “.”, “_”, “/” and “-”.
          </p>
          {fieldError("name")}
        </div>
        <div>
          <label htmlFor={`${id}-environment`} className={labelClass}>
            Environment
          </label>
          <select id={`${id}-environment`} name="environment" required defaultValue="" className={`${inputClass} mt-1`}>
            <option value="" disabled>
              Choose…
            </option>
            {environments.map((env) => (
              <option key={env.name} value={env.name}>
                {env.name}
                {env.tier === "production" ? " (production)" : ""}
              </option>
            ))}
          </select>
          <p className="mt-1 text-xs text-zinc-500">Requests on this resource are always in this environment, whatever the agent says.</p>
          {fieldError("environment")}
        </div>
        <div className="sm:col-span-2">
          <label htmlFor={`${id}-url`} className={labelClass}>
            Connection URL
          </label>
          <ConnectionUrlInput id={`${id}-url`} describedBy={`${id}-url-help`} className="mt-1" />
          <p id={`${id}-url-help`} className="mt-1 text-xs text-zinc-500">
            Write-only: stored encrypted, never shown again, logged or audited. Prefer a role that can do only what agents should.
          </p>
          {fieldError("connectionUrl")}
        </div>
        <div className="sm:col-span-2">
          <label htmlFor={`${id}-description`} className={labelClass}>
            Description
          </label>
          <input id={`${id}-description`} name="description" maxLength={1000} className={`${inputClass} mt-1`} />
        </div>
        <div>
          <button type="submit" disabled={pending} className={buttonStyles.primary}>
            {pending ? "Registering…" : "Register resource"}
          </button>
        </div>
      </form>
    </div>
  );
}

export function ReplaceUrlForm({ name }: { name: string }) {
  const [state, action, pending] = useActionState<ActionResult, FormData>(replaceConnectionUrlAction, {});
  const id = useId();
  return (
    <form action={action} className="flex flex-wrap items-center gap-1.5">
      <input type="hidden" name="name" value={name} />
      <ConnectionUrlInput id={`${id}-url`} label={`New connection URL for ${name}`} className="w-64 py-1" />
      <button type="submit" disabled={pending} className={buttonStyles.subtle} aria-label={`Replace connection URL of ${name}`}>
        Replace URL
      </button>
      <ActionFeedback state={state} />
    </form>
  );
}
