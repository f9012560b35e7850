"use client";
// A small form bound to a server action that answers { error?, done? }: the answer is shown next
// to the button, so refusals (roles, conflicts, validation) read as sentences, not crashes.
import { useActionState, type ReactNode } from "react";
import type { ActionResult } from "@/lib/dashboard/action-result";
import { buttonStyles } from "./ui";

export type { ActionResult };

export type FormAction = (prev: ActionResult, form: FormData) => Promise<ActionResult>;

export function ActionButton({
  action,
  fields,
  label,
  ariaLabel,
  variant = "secondary",
  confirm,
  children,
}: {
  action: FormAction;
  fields: Record<string, string>;
  label: string;
  ariaLabel?: string;
  variant?: keyof typeof buttonStyles;
  confirm?: string;
  children?: ReactNode;
}) {
  const [state, formAction, pending] = useActionState<ActionResult, FormData>(action, {});
  return (
    <form
      action={formAction}
      className="inline-flex flex-wrap items-center gap-2"
      onSubmit={(e) => {
        if (confirm && !window.confirm(confirm)) e.preventDefault();
      }}
    >
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
      <button type="submit" disabled={pending} aria-label={ariaLabel} className={buttonStyles[variant]}>
        {label}
      </button>
      <ActionFeedback state={state} />
    </form>
  );
}

/** The outcome of an inline action: an error to read, or a short confirmation. */
export function ActionFeedback({ state }: { state: ActionResult }) {
  return (
    <>
      {state.error && (
        <span role="alert" className="text-xs text-red-700 dark:text-red-400">
          {state.error}
        </span>
      )}
      {state.done && (
        <span role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
          {state.done}
        </span>
      )}
    </>
  );
}
