import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { config } from "@/lib/env";
import { currentReviewer } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/safe-return";
import { Logo } from "@/components/logo";
import { SignInForm } from "./sign-in-form";
import { signInWithOidcAction } from "./actions";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  AccessDenied: "Your single sign-on account does not match an enabled Countersign user. Ask an admin to add your email address.",
  CredentialsSignin: "That email and password do not match an active account.",
  Configuration: "Sign-in is not configured correctly. Check the server log.",
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeReturnPath(typeof params.callbackUrl === "string" ? params.callbackUrl : undefined);
  if (await currentReviewer()) redirect(callbackUrl);
  const errorKey = typeof params.error === "string" ? params.error : undefined;
  const error = errorKey ? (ERRORS[errorKey] ?? "Sign-in failed. Try again.") : undefined;
  const oidc = Boolean(config().oidc);

  return (
    <main className="flex min-h-screen items-start justify-center px-4 pt-[12vh] sm:items-center sm:pt-0">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center gap-2">
          <Logo />
          <span className="text-lg font-semibold tracking-tight">Countersign</span>
        </div>
        <div className="rounded-lg border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          <h1 className="text-xl font-semibold">Sign in</h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Review what your agents are asking to do.</p>
          {error && (
            <p role="alert" className="mt-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
              {error}
            </p>
          )}
          <SignInForm callbackUrl={callbackUrl} />
          {oidc && (
            <form action={signInWithOidcAction} className="mt-4 border-t border-zinc-200 pt-4 dark:border-zinc-800">
              <input type="hidden" name="callbackUrl" value={callbackUrl} />
              <button
                type="submit"
                className="w-full rounded-md border border-zinc-300 bg-white px-4 py-2 text-sm font-medium hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
              >
                Sign in with single sign-on
              </button>
            </form>
          )}
        </div>
      </div>
    </main>
  );
}
