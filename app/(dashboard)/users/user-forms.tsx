"use client";

import { useActionState, useId } from "react";
import { buttonStyles, inputClass, labelClass, Notice } from "@/components/ui";
import { ActionFeedback, type ActionResult } from "@/components/action-form";
import { createUserAction, setRoleAction } from "./actions";

const ROLES = ["viewer", "approver", "admin"] as const;

export function CreateUserForm() {
  const [state, action, pending] = useActionState<ActionResult, FormData>(createUserAction, {});
  const id = useId();
  return (
    <div className="space-y-3">
      {state.error && <Notice tone="error">{state.error}</Notice>}
      {state.done && <Notice tone="success">{state.done}</Notice>}
      <form action={action} className="grid gap-3 sm:grid-cols-4">
        <div>
          <label htmlFor={`${id}-email`} className={labelClass}>
            Email
          </label>
          <input id={`${id}-email`} name="email" type="email" required autoComplete="off" className={`${inputClass} mt-1`} />
        </div>
        <div>
          <label htmlFor={`${id}-name`} className={labelClass}>
            Name
          </label>
          <input id={`${id}-name`} name="name" maxLength={200} autoComplete="off" className={`${inputClass} mt-1`} />
        </div>
        <div>
          <label htmlFor={`${id}-role`} className={labelClass}>
            Role
          </label>
          <select id={`${id}-role`} name="role" defaultValue="approver" className={`${inputClass} mt-1`}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-password`} className={labelClass}>
            Password
          </label>
          <input id={`${id}-password`} name="password" type="password" minLength={12} autoComplete="new-password" aria-describedby={`${id}-password-help`} className={`${inputClass} mt-1`} />
          <p id={`${id}-password-help`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
            12+ characters. Leave empty for single sign-on only.
          </p>
        </div>
        <div className="sm:col-span-4">
          <button type="submit" disabled={pending} className={buttonStyles.primary}>
            {pending ? "Adding…" : "Add user"}
          </button>
        </div>
      </form>
    </div>
  );
}

export function RoleForm({ userId, email, role }: { userId: string; email: string; role: string }) {
  const [state, action, pending] = useActionState<ActionResult, FormData>(setRoleAction, {});
  const id = useId();
  return (
    <form action={action} className="flex flex-wrap items-center gap-1.5">
      <input type="hidden" name="userId" value={userId} />
      <label htmlFor={`${id}-role`} className="sr-only">
        Role for {email}
      </label>
      <select id={`${id}-role`} name="role" defaultValue={role} className={`${inputClass} w-auto py-1`}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <button type="submit" disabled={pending} className={buttonStyles.subtle} aria-label={`Change role of ${email}`}>
        Change role
      </button>
      <ActionFeedback state={state} />
    </form>
  );
}
