import { redirect } from "next/navigation";
import { inboxSearch } from "@/lib/dashboard/inbox-search";
import { parseInboxFilters } from "@/lib/dashboard/inbox";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// /inbox is another name for the inbox at /.
export default async function InboxAlias({ searchParams }: { searchParams: SearchParams }) {
  const search = inboxSearch(parseInboxFilters(await searchParams));
  redirect(search ? `/?${search}` : "/");
}
