"use client";

import { useActionState } from "react";
import Link from "next/link";
import { setupAdmin, type SetupState } from "./actions";

export function SetupForm({ token }: { token: string }) {
  const [state, action, pending] = useActionState<SetupState, FormData>(setupAdmin, {});
  if (state.done) {
    return (
      <p role="status" className="mt-4 rounded border border-emerald-400 bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
        The administrator account is ready. <Link className="underline" href="/signin">Sign in</Link>.
      </p>
    );
  }
  const input = "mt-1 block w-full rounded border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900";
  return (
    <form action={action} className="mt-6 space-y-4">
      <input type="hidden" name="token" value={token} />
      {state.error && (
        <p role="alert" className="rounded border border-red-400 bg-red-50 p-3 text-sm text-red-900 dark:bg-red-950 dark:text-red-100">
          {state.error}
        </p>
      )}
      <label className="block text-sm font-medium">
        Name
        <input className={input} name="name" autoComplete="name" />
      </label>
      <label className="block text-sm font-medium">
        Email
        <input className={input} name="email" type="email" required autoComplete="username" />
      </label>
      <label className="block text-sm font-medium">
        Password
        <input className={input} name="password" type="password" required minLength={12} autoComplete="new-password" />
        <span className="mt-1 block text-xs text-zinc-600 dark:text-zinc-400">At least 12 characters.</span>
      </label>
      <button type="submit" disabled={pending} className="rounded bg-zinc-900 px-4 py-2 text-sm font-medium text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900">
        {pending ? "Creating…" : "Create administrator"}
      </button>
    </form>
  );
}
