import Link from "next/link";

export default function RequestNotFound() {
  return (
    <div className="mx-auto max-w-lg py-12 text-center">
      <h1 className="text-lg font-semibold">No such request</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">The link may be mistyped, or the request belongs to another Countersign installation.</p>
      <Link href="/" className="mt-4 inline-block text-sm underline">
        Back to the inbox
      </Link>
    </div>
  );
}
