import type { Metadata } from "next";
import { db } from "@/lib/db";
import { requirePageReviewer } from "@/lib/auth/session";
import { inboxFilterOptions, listInbox, parseInboxFilters } from "@/lib/dashboard/inbox";
import { inboxSearch } from "@/lib/dashboard/inbox-search";
import { Inbox } from "./inbox";

export const metadata: Metadata = { title: "Inbox" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// The inbox: what agents are asking for, pending first and soonest to expire first.
export default async function InboxPage({ searchParams }: { searchParams: SearchParams }) {
  const filters = parseInboxFilters(await searchParams);
  const search = inboxSearch(filters);
  const reviewer = await requirePageReviewer(search ? `/?${search}` : "/");
  const prisma = await db();
  const [page, options] = await Promise.all([listInbox(prisma, filters, { reviewer }), inboxFilterOptions(prisma)]);
  return <Inbox filters={filters} initialPage={page} options={options} />;
}
