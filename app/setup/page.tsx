import type { Metadata } from "next";
import { db } from "@/lib/db";
import { setupTokenIsValid } from "@/lib/users/setup";
import { SetupForm } from "./setup-form";

export const metadata: Metadata = { title: "Set up" };
export const dynamic = "force-dynamic";

// The one-time page that creates the first admin, reached from the link in the server log.
export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  const valid = typeof token === "string" && (await setupTokenIsValid(await db(), token));
  return (
    <main className="mx-auto max-w-md p-6">
      <h1 className="text-2xl font-semibold">Set up Countersign</h1>
      {valid ? (
        <>
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">Create the first administrator. This link works once.</p>
          <SetupForm token={token!} />
        </>
      ) : (
        <p role="alert" className="mt-4 rounded border border-amber-400 bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          This setup link is invalid, expired or already used. Restart the server for a new link, or create an admin with
          <code className="mx-1">npm run cli -- user add --role admin</code>.
        </p>
      )}
    </main>
  );
}
