import { redirect } from "next/navigation";
import { inboxSearch } from "@/lib/dashboard/inbox-search";
import { parseInboxFilters } from "@/lib/dashboard/inbox";
import { isAppError } from "@/lib/errors";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// /inbox is another name for the inbox at /.
export default async function InboxAlias({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  let search: string;
  try {
    search = inboxSearch(parseInboxFilters(params));
  } catch (error) {
    if (!isAppError(error)) throw error;
    // The inbox itself says what is wrong with the filters.
    search = new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : []))).toString();
  }
  redirect(search ? `/?${search}` : "/");
}
