import type { Metadata } from "next";
import { db } from "@/lib/db";
import { requirePageReviewer } from "@/lib/auth/session";
import { inboxFilterOptions, listInbox, parseInboxFilters } from "@/lib/dashboard/inbox";
import { inboxSearch } from "@/lib/dashboard/inbox-search";
import { Inbox } from "./inbox";
import { isAppError } from "@/lib/errors";
import { RefusedQuery } from "@/components/ui";

export const metadata: Metadata = { title: "Inbox" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// The inbox: what agents are asking for, pending first and soonest to expire first.
export default async function InboxPage({ searchParams }: { searchParams: SearchParams }) {
  let filters;
  try {
    filters = parseInboxFilters(await searchParams);
  } catch (error) {
    if (!isAppError(error)) throw error;
    await requirePageReviewer("/");
    return <RefusedQuery title="Inbox" message={error.message} resetHref="/" />;
  }
  const search = inboxSearch(filters);
  const reviewer = await requirePageReviewer(search ? `/?${search}` : "/");
  const prisma = await db();
  const [page, options] = await Promise.all([listInbox(prisma, filters, { reviewer }), inboxFilterOptions(prisma)]);
  return <Inbox filters={filters} initialPage={page} options={options} />;
}
