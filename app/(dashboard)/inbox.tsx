"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useId, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { InboxFilters, InboxGroup, InboxItem, InboxPage } from "@/lib/dashboard/inbox";
import { codeSpans } from "@/lib/dashboard/headline";
import { WAITING } from "@/lib/dashboard/inbox-search";
import { useInbox } from "@/lib/dashboard/queries";
import { inboxSearch, STATUSES } from "@/lib/dashboard/inbox-search";
import { EnvironmentBadge, RiskBadge, StatusBadge } from "@/components/badges";
import { Countdown } from "@/components/countdown";
import { RelativeTime } from "@/components/relative-time";
import { InlineUntrusted, SafeText } from "@/components/safe-text";
import { ActionFeedback, type ActionResult } from "@/components/action-form";
import { denyBurstAction } from "./inbox-actions";
import { buttonStyles, inputClass, labelClass } from "@/components/ui";

const RISKS = ["critical", "high", "medium", "low"] as const;

export function Inbox({ filters, initialPage, options }: { filters: InboxFilters; initialPage: InboxPage; options: { agents: string[]; environments: string[] } }) {
  const query = useInbox(filters, initialPage);
  const pages = query.data?.pages ?? [initialPage];
  const items = pages.flatMap((p) => p.items);
  const groups = pages[0]?.groups ?? [];
  const [flash, setFlash] = useState<string | null>(null);
  const counts = pages[0]?.counts ?? {};
  const now = pages[0]?.now;
  // Cooling-down approvals can still be cancelled by any reviewer: they wait with the pending ones.
  const pending = items.filter((i) => WAITING.has(i.status));
  const rest = items.filter((i) => !WAITING.has(i.status));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);

  return (
    <div>
      <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Inbox</h1>
          <p className="mt-0.5 text-sm text-zinc-600 dark:text-zinc-400">
            <strong className="font-semibold text-zinc-900 dark:text-zinc-100">{counts.pending ?? 0}</strong> waiting for review ·{" "}
            {total.toLocaleString("en")} in total
          </p>
        </div>
        <LiveStatus fetching={query.isFetching} error={query.error} updatedAt={query.dataUpdatedAt} />
      </div>

      <StatusTabs filters={filters} counts={counts} total={total} />
      <FilterBar filters={filters} options={options} />

      {flash && (
        <p role="status" className="mb-3 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
          {flash}
        </p>
      )}

      {items.length === 0 && groups.length === 0 ? (
        <div className="rounded-lg border border-dashed border-zinc-300 p-10 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          {filters.status || filters.risk || filters.agent || filters.environment ? "No requests match these filters." : "Nothing is waiting for you. Requests that need a person will appear here."}
        </div>
      ) : (
        <div className="space-y-6">
          {pending.length + groups.length > 0 && <Section title="Waiting for review" hint="Soonest to expire first" items={pending} groups={groups} now={now} onGroupDone={setFlash} />}
          {rest.length > 0 && <Section title={filters.status ? "Requests" : "Decided and closed"} hint="Newest first" items={rest} now={now} />}
        </div>
      )}

      {query.hasNextPage && (
        <div className="mt-4 flex justify-center">
          <button type="button" className={buttonStyles.secondary} disabled={query.isFetchingNextPage} onClick={() => query.fetchNextPage()}>
            {query.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </div>
  );
}

function LiveStatus({ fetching, error, updatedAt }: { fetching: boolean; error: Error | null; updatedAt: number }) {
  return (
    <p className="flex items-center gap-1.5 text-xs text-zinc-500 dark:text-zinc-400" role="status" aria-live="polite">
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${error ? "bg-red-500" : fetching ? "bg-amber-400" : "bg-emerald-500"}`} />
      {error ? `Not updating: ${error.message}` : updatedAt ? "Live" : "Connecting…"}
    </p>
  );
}

function StatusTabs({ filters, counts, total }: { filters: InboxFilters; counts: Record<string, number>; total: number }) {
  const tabs: Array<{ status?: string; label: string; count: number }> = [
    { status: undefined, label: "All", count: total },
    ...STATUSES.filter((s) => s === "pending" || (counts[s] ?? 0) > 0 || filters.status === s).map((s) => ({ status: s, label: s, count: counts[s] ?? 0 })),
  ];
  return (
    <nav aria-label="Status" className="relative -mx-3 mb-3 sm:mx-0">
      {/* On a phone the tabs scroll sideways; the fade at the right edge says there are more. */}
      <span aria-hidden="true" className="pointer-events-none absolute inset-y-0 right-0 z-10 w-8 bg-gradient-to-l from-zinc-50 to-transparent sm:hidden dark:from-zinc-950" />
      <ul className="flex gap-1 overflow-x-auto border-b border-zinc-200 px-3 pr-8 sm:px-0 sm:pr-0 dark:border-zinc-800">
        {tabs.map((tab) => {
          const active = (filters.status ?? undefined) === tab.status;
          const search = inboxSearch({ ...filters, status: tab.status as InboxFilters["status"] });
          return (
            <li key={tab.label}>
              <Link
                href={search ? `/?${search}` : "/"}
                aria-current={active ? "page" : undefined}
                className={`-mb-px flex items-center gap-1.5 border-b-2 px-2.5 py-2 text-sm whitespace-nowrap capitalize focus-visible:outline-2 focus-visible:outline-blue-600 ${
                  active ? "border-zinc-900 font-medium text-zinc-900 dark:border-zinc-100 dark:text-zinc-50" : "border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100"
                }`}
              >
                {tab.label}
                <span className="rounded-full bg-zinc-100 px-1.5 text-xs tabular-nums text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">{tab.count.toLocaleString("en")}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function FilterBar({ filters, options }: { filters: InboxFilters; options: { agents: string[]; environments: string[] } }) {
  const router = useRouter();
  const id = useId();
  const apply = (form: HTMLFormElement) => {
    const data = new FormData(form);
    const next: InboxFilters = {
      status: filters.status,
      risk: (data.get("risk") as InboxFilters["risk"]) || undefined,
      environment: (data.get("environment") as string) || undefined,
      agent: (data.get("agent") as string) || undefined,
    };
    const search = inboxSearch(next);
    router.push(search ? `/?${search}` : "/");
  };
  const hasFilters = Boolean(filters.risk || filters.environment || filters.agent);
  return (
    <form
      method="get"
      action="/"
      className="mb-4 grid grid-cols-2 gap-2 sm:flex sm:flex-wrap sm:items-end"
      onSubmit={(e) => {
        e.preventDefault();
        apply(e.currentTarget);
      }}
      onChange={(e) => apply(e.currentTarget)}
    >
      {filters.status && <input type="hidden" name="status" value={filters.status} />}
      <div>
        <label htmlFor={`${id}-risk`} className={labelClass}>
          Risk
        </label>
        <select id={`${id}-risk`} name="risk" defaultValue={filters.risk ?? ""} className={`${inputClass} mt-1 sm:w-36`}>
          <option value="">Any risk</option>
          {RISKS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-env`} className={labelClass}>
          Environment
        </label>
        <select id={`${id}-env`} name="environment" defaultValue={filters.environment ?? ""} className={`${inputClass} mt-1 sm:w-44`}>
          <option value="">Any environment</option>
          {withCurrent(options.environments, filters.environment).map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      </div>
      <div className="col-span-2 sm:col-span-1">
        <label htmlFor={`${id}-agent`} className={labelClass}>
          Agent
        </label>
        <select id={`${id}-agent`} name="agent" defaultValue={filters.agent ?? ""} className={`${inputClass} mt-1 sm:w-48`}>
          <option value="">Any agent</option>
          {withCurrent(options.agents, filters.agent).map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </div>
      <div className="col-span-2 flex gap-2 sm:col-span-1">
        <noscript>
          <button type="submit" className={buttonStyles.secondary}>
            Apply filters
          </button>
        </noscript>
        {hasFilters && (
          <Link href={filters.status ? `/?status=${filters.status}` : "/"} className={buttonStyles.subtle}>
            Clear filters
          </Link>
        )}
      </div>
    </form>
  );
}

function withCurrent(list: string[], current: string | undefined): string[] {
  return current && !list.includes(current) ? [current, ...list] : list;
}

function Section({ title, hint, items, groups = [], now, onGroupDone }: { title: string; hint: string; items: InboxItem[]; groups?: InboxGroup[]; now?: string; onGroupDone?: (message: string) => void }) {
  return (
    <section aria-label={title}>
      <h2 className="mb-2 flex items-baseline gap-2 text-sm font-semibold">
        {title} <span className="text-xs font-normal text-zinc-500 dark:text-zinc-400">{hint}</span>
      </h2>
      <ul className="divide-y divide-zinc-200 overflow-hidden rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
        {/* Bursts first: one decision can clear many rows. */}
        {groups.map((group) => (
          <GroupRow key={group.key} group={group} now={now} onDone={onGroupDone ?? (() => {})} />
        ))}
        {items.map((item) => (
          <InboxRow key={item.id} item={item} now={now} />
        ))}
      </ul>
    </section>
  );
}

/** Where the signed-in reviewer stands on a row, in words (not colour alone). */
function myCue(item: InboxItem): { text: string; tone: "act" | "done" | "blocked" } | null {
  if (item.myReview === "approve") return { text: "You approved", tone: "done" };
  if (item.myReview === "deny") return { text: "You denied", tone: "done" };
  if (item.status !== "pending") return null;
  if (item.ownAgent) return { text: "Your agent — you can't approve", tone: "blocked" };
  if (item.canDecide) return { text: "Waiting for you", tone: "act" };
  return { text: `Needs ${item.requiredRole} role`, tone: "blocked" };
}

const CUE_STYLE = {
  act: "bg-blue-700 text-white dark:bg-blue-700",
  done: "bg-emerald-50 text-emerald-900 ring-1 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-100 dark:ring-emerald-800",
  blocked: "bg-zinc-100 text-zinc-700 ring-1 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
} as const;

function RowTime({ item, now }: { item: InboxItem; now?: string }) {
  if (item.status === "pending") return <Countdown to={item.expiresAt} now={now} />;
  if (item.status === "cooling_down" && item.coolDownUntil) {
    return (
      <span className="whitespace-nowrap">
        Grant <Countdown to={item.coolDownUntil} now={now} phrase="in" />
      </span>
    );
  }
  return (
    <span className="whitespace-nowrap">
      {item.decidedAt ? "Decided" : "Created"} <RelativeTime at={item.decidedAt ?? item.createdAt} now={now} />
    </span>
  );
}

/** Countersign's measured sentence, inline code shown as code rather than between backticks. */
function MeasuredLine({ text, prefix = "Measured" }: { text: string; prefix?: string }) {
  return (
    <span className="mt-0.5 block text-sm break-words text-sky-900 dark:text-sky-200">
      <span className="text-[11px] font-semibold tracking-wide uppercase">{prefix}:</span>{" "}
      {codeSpans(text).map((span, i) =>
        span.code ? (
          <code key={i} className="rounded bg-sky-50 px-1 font-mono text-[0.9em] dark:bg-sky-950">
            <SafeText text={span.text} />
          </code>
        ) : (
          <SafeText key={i} text={span.text} />
        ),
      )}
    </span>
  );
}

function InboxRow({ item, now }: { item: InboxItem; now?: string }) {
  const cue = myCue(item);
  return (
    <li className="relative px-3 py-2.5 hover:bg-zinc-50 sm:px-4 dark:hover:bg-zinc-800/50">
      <div className="flex flex-wrap items-center gap-1.5">
        <RiskBadge level={item.riskLevel} />
        <EnvironmentBadge name={item.environment} production={item.production} />
        {item.status !== "pending" && <StatusBadge status={item.status} />}
        {cue && <span className={`inline-flex items-center rounded px-1.5 py-0.5 text-xs font-semibold whitespace-nowrap ${CUE_STYLE[cue.tone]}`}>{cue.text}</span>}
        <span className="ml-auto text-xs text-zinc-600 dark:text-zinc-400">
          <RowTime item={item} now={now} />
        </span>
      </div>
      {/* The operation first, then Countersign's measurement, then — labelled — what the agent says. */}
      <Link
        href={`/requests/${item.id}`}
        className="mt-1 block min-w-0 after:absolute after:inset-0 focus-visible:outline-2 focus-visible:outline-blue-600"
      >
        <span title={item.headline} className="block truncate font-mono text-sm font-medium text-zinc-900 dark:text-zinc-100">
          <SafeText text={item.headline} />
        </span>
        {item.measured && <MeasuredLine text={item.measured} />}
        <span className="mt-0.5 block text-xs break-words text-zinc-500 dark:text-zinc-400">
          {item.summary ? (
            <>
              <span className="font-medium">Agent says:</span> <InlineUntrusted text={item.summary} />
            </>
          ) : (
            <span className="italic">No summary from {item.agentName}</span>
          )}
        </span>
      </Link>
      <p className="mt-0.5 flex flex-wrap gap-x-3 text-xs text-zinc-600 dark:text-zinc-400">
        <span>
          <span className="sr-only">Agent </span>
          {item.agentName}
        </span>
        <span className="font-mono break-all">
          <span className="sr-only">Resource </span>
          <InlineUntrusted text={item.resource} /> · {item.kind}
        </span>
        {item.status === "pending" && (
          <span>
            {item.approvals} of {item.requiredApprovals} approval{item.requiredApprovals === 1 ? "" : "s"}
          </span>
        )}
        {item.status === "cooling_down" && <span>Approved; any reviewer can still cancel it</span>}
      </p>
    </li>
  );
}

function span(firstAt: string, lastAt: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(lastAt) - Date.parse(firstAt)) / 1000));
  return seconds < 90 ? `${seconds} second${seconds === 1 ? "" : "s"}` : `${Math.round(seconds / 60)} minutes`;
}

/**
 * A burst as one row: how many, from whom, on what, the shared template and what they do
 * together. "Deny all" takes one reason for every member; approving stays one by one — each
 * approval grants one exact operation — so the members open below for that.
 */
function GroupRow({ group, now, onDone }: { group: InboxGroup; now?: string; onDone: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [denying, setDenying] = useState(false);
  const id = useId();
  const hidden = group.count - group.members.length;
  return (
    <li className="px-3 py-2.5 sm:px-4" aria-label={`Group of ${group.count} requests from ${group.agentName}`}>
      <div className="flex flex-wrap items-center gap-1.5">
        <RiskBadge level={group.riskLevel} />
        <EnvironmentBadge name={group.environment} production={group.production} />
        <span className="inline-flex items-center rounded bg-violet-100 px-1.5 py-0.5 text-xs font-semibold text-violet-900 ring-1 ring-violet-300 dark:bg-violet-950 dark:text-violet-100 dark:ring-violet-800">
          Burst
        </span>
        <span className="ml-auto text-xs text-zinc-600 dark:text-zinc-400">
          First expires <Countdown to={group.expiresAt} now={now} phrase="in" />
        </span>
      </div>
      <p className="mt-1 text-sm font-semibold text-zinc-900 dark:text-zinc-100">
        {group.count.toLocaleString("en")} requests from <InlineUntrusted text={group.agentName} /> on{" "}
        <InlineUntrusted text={group.resource} className="font-mono" /> within {span(group.firstAt, group.lastAt)}
      </p>
      {group.template ? (
        <p className="mt-0.5 text-sm">
          <span className="text-xs text-zinc-600 dark:text-zinc-400">All alike:</span>{" "}
          <span title={group.template} className="inline-block max-w-full truncate align-bottom font-mono">
            <SafeText text={group.template} />
          </span>
        </p>
      ) : (
        <p className="mt-0.5 text-xs text-zinc-600 dark:text-zinc-400">{group.templates.toLocaleString("en")} different operations: review them one by one.</p>
      )}
      {group.effect && <MeasuredLine text={group.effect} prefix="Measured" />}
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <button type="button" className={buttonStyles.secondary} aria-expanded={open} aria-controls={`${id}-members`} onClick={() => setOpen(!open)}>
          {open ? "Hide the requests" : "Review one by one"}
        </button>
        {group.canDenyAll && !denying && (
          <button type="button" className={buttonStyles.danger} onClick={() => setDenying(true)}>
            Deny all…
          </button>
        )}
        <span className="text-xs text-zinc-600 dark:text-zinc-400">Approving is one by one: each approval grants one exact operation.</span>
      </div>
      {denying && <DenyAllForm group={group} onDone={onDone} onCancel={() => setDenying(false)} />}
      {open && (
        <div id={`${id}-members`}>
          <ul aria-label={`Requests in this group`} className="mt-2 divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
            {group.members.map((member) => (
              <InboxRow key={member.id} item={member} now={now} />
            ))}
          </ul>
          {hidden > 0 && <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">and {hidden.toLocaleString("en")} more, the newest, not listed here; Deny all covers them too.</p>}
        </div>
      )}
    </li>
  );
}

function DenyAllForm({ group, onDone, onCancel }: { group: InboxGroup; onDone: (message: string) => void; onCancel: () => void }) {
  const queryClient = useQueryClient();
  const id = useId();
  const [state, formAction, pending] = useActionState(async (prev: ActionResult, form: FormData) => {
    const result = await denyBurstAction(prev, form);
    if (result.done) {
      onDone(result.done);
      await queryClient.invalidateQueries({ queryKey: ["inbox"] });
    }
    return result;
  }, {});
  return (
    <form action={formAction} className="mt-2 space-y-2 rounded-md border border-red-200 bg-red-50 p-3 dark:border-red-900 dark:bg-red-950/40">
      {(["agentId", "environment", "resource", "kind", "firstAt", "lastAt"] as const).map((name) => (
        <input key={name} type="hidden" name={name} value={group[name]} />
      ))}
      <label htmlFor={`${id}-reason`} className={labelClass}>
        Reason for denying all {group.count.toLocaleString("en")} requests
      </label>
      <textarea id={`${id}-reason`} name="reason" required rows={2} maxLength={2000} className={inputClass} />
      <div className="flex flex-wrap items-center gap-2">
        <button type="submit" disabled={pending} className={buttonStyles.danger}>
          {pending ? "Denying…" : `Deny all ${group.count.toLocaleString("en")}`}
        </button>
        <button type="button" className={buttonStyles.subtle} onClick={onCancel}>
          Cancel
        </button>
        {/* Success is said once, above the inbox: this form goes away with the group. */}
        <ActionFeedback state={{ error: state.error }} />
      </div>
    </form>
  );
}
