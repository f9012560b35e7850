// Countersign's own read-only measurement of what a statement would do. Marked as measured, never
// as the agent's claim; still rendered as inert text with hidden characters escaped, because the
// table names in it come from the target database.
import type { PlannedEffect } from "@/lib/requests/planned-effect";
import { describeLimit } from "@/lib/policy/measurement";
import { CodeView } from "./code-view";
import { CodeSpans, SafeText } from "./safe-text";

export function MeasuredLabel() {
  return (
    <span className="inline-flex items-center gap-1 rounded border border-sky-400 bg-sky-50 px-1.5 py-0.5 text-[11px] font-semibold tracking-wide text-sky-900 uppercase dark:border-sky-600 dark:bg-sky-950 dark:text-sky-200">
      <svg viewBox="0 0 16 16" className="h-3 w-3 fill-current" aria-hidden="true">
        <path d="M2 2h2v10h10v2H2V2zm4 6h2v3H6V8zm3-3h2v6H9V5zm3 2h2v4h-2V7z" />
      </svg>
      Measured by Countersign — read-only
    </span>
  );
}

export function PlannedEffectPanel({ effect }: { effect: PlannedEffect }) {
  const hasDetails = effect.details.trim() !== "" && effect.details.trim() !== effect.summary.trim();
  return (
    <section id="planned-effect" aria-labelledby="planned-effect-title" className="rounded-lg border border-sky-300 bg-white dark:border-sky-800 dark:bg-zinc-900">
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-sky-200 px-4 py-2.5 dark:border-sky-900">
        <h2 id="planned-effect-title" className="text-sm font-semibold">
          Planned effect
        </h2>
        <MeasuredLabel />
      </header>
      <div className="space-y-3 p-4">
        <p className="text-base leading-snug font-semibold break-words">
          <CodeSpans text={effect.summary} />
        </p>
        <EnforcedLimits effect={effect} />
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          Countersign measured this itself on the resource, in a read-only transaction that was rolled back (catalog, row counts, EXPLAIN without
          ANALYZE). The statement has not run. This is not the agent&apos;s description.
        </p>
        {hasDetails && (
          <details className="group">
            <summary className="cursor-pointer rounded text-xs font-medium text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-zinc-400 dark:hover:text-zinc-100">
              Details: per-table counts, dependants and the query plan ({effect.details.split("\n").length.toLocaleString("en")} lines)
            </summary>
            <div className="mt-2">
              <CodeView code={effect.details} language="text" label="Measurement details" />
            </div>
          </details>
        )}
      </div>
    </section>
  );
}

/** What the approval binds execution to: stated before anyone approves. */
function EnforcedLimits({ effect }: { effect: PlannedEffect }) {
  const limits = effect.enforcement?.limits ?? [];
  const tables = Object.keys(effect.enforcement?.fingerprints ?? {});
  if (!limits.length && !tables.length) return null;
  return (
    <div className="rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm dark:border-sky-900 dark:bg-sky-950/40">
      <p className="font-medium">Enforced when it runs</p>
      <ul className="mt-1 list-disc space-y-0.5 pl-5">
        {limits.map((limit) => (
          <li key={`${limit.action} ${limit.table}`}>
            <SafeText text={describeLimit(limit)} />
          </li>
        ))}
        {tables.length > 0 && (
          <li>
            Will not run if the definition of <SafeText text={tables.join(", ")} /> changes before it does.
          </li>
        )}
      </ul>
      {effect.measured?.incomplete && <p className="mt-1 text-xs text-amber-800 dark:text-amber-300">Part of the batch could not be measured: what was not counted is not limited.</p>}
    </div>
  );
}
