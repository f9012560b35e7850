"use client";
// The agent's planned change. Unified diffs are coloured per line (the +/- marker stays, so the
// meaning does not rest on colour); large diffs show their first lines until asked for all.
import { useMemo, useState } from "react";
import { classifyUnifiedDiff, diffStats, type DiffLineKind } from "@/lib/dashboard/diff";
import { CodeView } from "./code-view";
import { SafeText } from "./safe-text";
import { buttonStyles } from "./ui";

const LINE_CLASS: Record<DiffLineKind, string> = {
  add: "bg-emerald-50 text-emerald-950 dark:bg-emerald-950/50 dark:text-emerald-100",
  del: "bg-red-50 text-red-950 dark:bg-red-950/50 dark:text-red-100",
  hunk: "bg-sky-50 text-sky-900 dark:bg-sky-950/50 dark:text-sky-200",
  meta: "font-semibold text-zinc-700 dark:text-zinc-300",
  context: "text-zinc-800 dark:text-zinc-200",
};

export const INITIAL_DIFF_LINES = 400;

export function DiffView({ format, content }: { format: string; content: string }) {
  if (format !== "unified") {
    return <CodeView code={content} language={format === "json" ? "json" : "text"} label="Planned change" />;
  }
  return <UnifiedDiff content={content} />;
}

function UnifiedDiff({ content }: { content: string }) {
  const [limit, setLimit] = useState(INITIAL_DIFF_LINES);
  const lines = useMemo(() => classifyUnifiedDiff(content), [content]);
  const stats = useMemo(() => diffStats(lines), [lines]);
  const shown = lines.slice(0, limit);
  return (
    <div>
      <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
        <span className="font-medium text-emerald-700 dark:text-emerald-400">+{stats.added}</span>{" "}
        <span className="font-medium text-red-700 dark:text-red-400">−{stats.removed}</span> lines
      </p>
      <pre aria-label="Planned change (unified diff)" tabIndex={0} className="overflow-x-auto rounded-md border border-zinc-200 py-1 text-[13px] leading-5 dark:border-zinc-800">
        <code className="block font-mono">
          {shown.map((line, n) => (
            <span key={n} className={`block min-h-5 px-3 break-all whitespace-pre-wrap ${LINE_CLASS[line.kind]}`}>
              <SafeText text={line.text} />
            </span>
          ))}
        </code>
      </pre>
      {lines.length > shown.length && (
        <p className="mt-2 flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
          Showing {shown.length.toLocaleString("en")} of {lines.length.toLocaleString("en")} lines.
          <button type="button" className={buttonStyles.secondary} onClick={() => setLimit((l) => l + 2000)}>
            Show 2,000 more
          </button>
          <button type="button" className={buttonStyles.secondary} onClick={() => setLimit(lines.length)}>
            Show all {lines.length.toLocaleString("en")} lines
          </button>
        </p>
      )}
    </div>
  );
}
