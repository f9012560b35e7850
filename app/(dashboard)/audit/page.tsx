import type { Metadata } from "next";
import Link from "next/link";
import { db } from "@/lib/db";
import { hasRole } from "@/lib/users/roles";
import { requirePageReviewer } from "@/lib/auth/session";
import { auditSearch, listAudit, parseAuditBefore, parseAuditFilters, type AuditEntry } from "@/lib/dashboard/audit";
import { isAppError } from "@/lib/errors";
import { auditChainStatus } from "@/lib/dashboard/audit-chain";
import { SafeText } from "@/components/safe-text";
import { buttonStyles, Forbidden, inputClass, labelClass, Notice, PageHeader, RefusedQuery } from "@/components/ui";

export const metadata: Metadata = { title: "Audit" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// Admin: the hash-chained audit log — its integrity, a search, and exports.
export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  let filters, before;
  try {
    filters = parseAuditFilters(params);
    before = parseAuditBefore(params.before);
  } catch (error) {
    if (!isAppError(error)) throw error;
    const reviewer = await requirePageReviewer("/audit");
    if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
    return <RefusedQuery title="Audit log" message={error.message} resetHref="/audit" />;
  }
  const search = auditSearch(filters, before ? { before } : {});
  const reviewer = await requirePageReviewer(search ? `/audit?${search}` : "/audit");
  if (!hasRole(reviewer.role, "admin")) return <Forbidden role="admin" />;
  const prisma = await db();
  // The whole chain is walked on demand (and on a process's first view); otherwise only new rows.
  const full = params.verify === "full";
  const [chain, page] = await Promise.all([auditChainStatus(prisma, { full }), listAudit(prisma, filters, { before })]);
  const exportQuery = (format: string) => `/audit/export?${auditSearch(filters, { format })}`;

  return (
    <div className="space-y-4">
      <PageHeader
        title="Audit log"
        description="Every request, decision, grant, redemption, key, user and setting change — append-only and hash-chained."
        actions={
          <div className="flex gap-2">
            <a href={exportQuery("jsonl")} download className={buttonStyles.secondary}>
              Export JSONL
            </a>
            <a href={exportQuery("csv")} download className={buttonStyles.secondary}>
              Export CSV
            </a>
          </div>
        }
      />

      {chain.ok ? (
        <Notice tone="success" role="status">
          <span className="flex flex-wrap items-center justify-between gap-2">
            <span>
              <strong>Chain intact.</strong> {chain.count.toLocaleString("en")} events verified
              {chain.lastSeq !== null && (
                <>
                  ; head #{chain.lastSeq.toString()} <code className="font-mono text-xs break-words">{chain.headHash.slice(0, 16)}…</code>
                </>
              )}
              .{" "}
              {chain.incremental && chain.fullCheckAt
                ? `Whole chain last walked ${chain.fullCheckAt.replace("T", " ").slice(0, 19)} UTC; newer events checked on each view.`
                : "The whole chain was walked just now."}
            </span>
            <Link href={`/audit?${auditSearch(filters, { verify: "full" })}`} className={buttonStyles.secondary}>
              Verify whole chain
            </Link>
          </span>
        </Notice>
      ) : (
        <Notice tone="error" role="alert">
          <strong>Chain broken at #{chain.brokenAt.toString()}:</strong> {chain.reason}. Events before it ({chain.count.toLocaleString("en")}) verify.
        </Notice>
      )}

      <form method="get" action="/audit" className="grid gap-2 rounded-lg border border-zinc-200 bg-white p-3 sm:grid-cols-[1fr_1fr_1fr_auto] sm:items-end dark:border-zinc-800 dark:bg-zinc-900">
        <div>
          <label htmlFor="audit-type" className={labelClass}>
            Event type
          </label>
          <input id="audit-type" name="type" defaultValue={filters.type} placeholder="e.g. request. or grant.redeemed" className={`${inputClass} mt-1`} />
        </div>
        <div>
          <label htmlFor="audit-actor" className={labelClass}>
            Actor
          </label>
          <input id="audit-actor" name="actor" defaultValue={filters.actor} placeholder="email, agent name, id or type" className={`${inputClass} mt-1`} />
        </div>
        <div>
          <label htmlFor="audit-subject" className={labelClass}>
            Subject
          </label>
          <input id="audit-subject" name="subject" defaultValue={filters.subject} placeholder="request id, agent:name, user" className={`${inputClass} mt-1`} />
        </div>
        <div className="flex gap-2">
          <button type="submit" className={buttonStyles.primary}>
            Search
          </button>
          {(filters.type || filters.actor || filters.subject) && (
            <Link href="/audit" className={buttonStyles.subtle}>
              Clear
            </Link>
          )}
        </div>
      </form>

      {page.entries.length === 0 ? (
        <p className="rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">No events match.</p>
      ) : (
        <ol className="divide-y divide-zinc-200 overflow-hidden rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900" aria-label="Audit events">
          {page.entries.map((entry) => (
            <AuditRow key={entry.seq} entry={entry} />
          ))}
        </ol>
      )}

      <nav aria-label="Pages" className="flex justify-between">
        {before ? (
          <Link href={`/audit?${auditSearch(filters)}`} className={buttonStyles.secondary}>
            ← Newest
          </Link>
        ) : (
          <span />
        )}
        {page.nextBefore && (
          <Link href={`/audit?${auditSearch(filters, { before: page.nextBefore })}`} className={buttonStyles.secondary}>
            Older →
          </Link>
        )}
      </nav>
    </div>
  );
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  // Spaced after commas and colons, so long rows wrap between fields rather than inside a value.
  const data = (JSON.stringify(entry.data, null, 1) ?? "").replace(/\n\s*/g, " ");
  const subjectLink = entry.subjectType === "request" && entry.subjectId ? `/requests/${entry.subjectId}` : null;
  return (
    <li className="grid gap-1 px-3 py-2 text-sm sm:grid-cols-[4.5rem_11rem_minmax(0,1fr)] sm:gap-3 sm:px-4">
      <span className="font-mono text-xs text-zinc-500 tabular-nums dark:text-zinc-400">#{entry.seq}</span>
      <time dateTime={entry.at} className="text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
        {entry.at.replace("T", " ").slice(0, 19)} UTC
      </time>
      <div className="min-w-0">
        <div className="flex flex-wrap items-baseline gap-x-2">
          <span className="font-mono text-xs font-semibold">{entry.type}</span>
          <span className="text-xs text-zinc-600 dark:text-zinc-400">
            by {entry.actorType}
            {entry.actorName ? ` ${entry.actorName}` : entry.actorId ? ` ${entry.actorId.slice(0, 8)}` : ""}
          </span>
          {entry.subjectType && (
            <span className="text-xs text-zinc-600 dark:text-zinc-400">
              on {entry.subjectType}{" "}
              {subjectLink ? (
                <Link href={subjectLink} className="font-mono underline decoration-zinc-300 underline-offset-2 hover:decoration-zinc-600">
                  {entry.subjectId!.slice(0, 8)}
                </Link>
              ) : (
                <span className="font-mono">{entry.subjectName ?? entry.subjectId}</span>
              )}
            </span>
          )}
        </div>
        {data !== "{}" && (
          <p className="mt-0.5 font-mono text-xs break-words text-zinc-600 dark:text-zinc-400">
            <SafeText text={data.length > 600 ? `${data.slice(0, 600)}…` : data} />
          </p>
        )}
      </div>
    </li>
  );
}
