"use client";

import { useActionState } from "react";
import { signInWithPasswordAction, type SignInState } from "./actions";

const input =
  "mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm shadow-xs focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-blue-600 dark:border-zinc-700 dark:bg-zinc-950";

export function SignInForm({ callbackUrl }: { callbackUrl: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInWithPasswordAction, {});
  return (
    <form action={action} className="mt-5 space-y-4">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      {state.error && (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
          {state.error}
        </p>
      )}
      <div>
        <label htmlFor="signin-email" className="block text-sm font-medium">
          Email
        </label>
        <input id="signin-email" className={input} name="email" type="email" required autoComplete="username" defaultValue={state.email} autoFocus />
      </div>
      <div>
        <label htmlFor="signin-password" className="block text-sm font-medium">
          Password
        </label>
        <input id="signin-password" className={input} name="password" type="password" required autoComplete="current-password" />
      </div>
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-zinc-900 px-4 py-2 text-sm font-medium text-white hover:bg-zinc-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:opacity-60 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
