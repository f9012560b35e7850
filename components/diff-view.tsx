"use client";
// The agent's planned change. Unified diffs are coloured per line (the +/- marker stays, so the
// meaning does not rest on colour). The page receives a preview (lib/dashboard/diff.ts): the first
// lines, each cut to a readable length; large diffs show their first lines until asked for more,
// and what the preview left out is named, with the whole diff downloadable as plain text.
import { useState } from "react";
import type { DiffLineKind, DiffPreview, PreviewLine } from "@/lib/dashboard/diff";
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

const n = (value: number) => value.toLocaleString("en");

function Line({ line }: { line: PreviewLine }) {
  return (
    <span className={`block min-h-5 px-3 break-words whitespace-pre-wrap ${LINE_CLASS[line.kind]}`}>
      <SafeText text={line.text} />
      {line.length !== undefined && (
        <span className="ml-1 rounded-sm bg-zinc-200 px-1 font-sans text-[11px] font-semibold text-zinc-800 dark:bg-zinc-700 dark:text-zinc-100">
          … line truncated: first {n(line.text.length)} of {n(line.length)} characters shown
        </span>
      )}
    </span>
  );
}

export function DiffView({ preview, downloadHref }: { preview: DiffPreview; downloadHref: string }) {
  // A whole JSON or text change reads best highlighted and numbered; a cut one keeps the notices.
  if (preview.format !== "unified" && preview.complete) {
    return <CodeView code={preview.lines.map((l) => l.text).join("\n")} language={preview.format === "json" ? "json" : "text"} label="Agent's planned change (claimed)" />;
  }
  return <PreviewLines preview={preview} downloadHref={downloadHref} />;
}

function PreviewLines({ preview, downloadHref }: { preview: DiffPreview; downloadHref: string }) {
  const [limit, setLimit] = useState(INITIAL_DIFF_LINES);
  const shown = preview.lines.slice(0, limit);
  const truncatedLines = preview.lines.filter((l) => l.length !== undefined).length;
  const notSent = preview.totalLines - preview.lines.length;
  return (
    <div>
      <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
        {preview.format === "unified" ? (
          <>
            <span className="font-medium text-emerald-700 dark:text-emerald-400">+{n(preview.added)}</span>{" "}
            <span className="font-medium text-red-700 dark:text-red-400">−{n(preview.removed)}</span> lines
          </>
        ) : (
          <>{n(preview.totalLines)} lines</>
        )}
      </p>
      <pre aria-label={preview.format === "unified" ? "Agent's planned change (claimed, unified diff)" : "Agent's planned change (claimed)"} tabIndex={0} className="overflow-x-auto rounded-md border border-zinc-200 py-1 text-[13px] leading-5 dark:border-zinc-800">
        <code className="block font-mono">
          {shown.map((line, i) => (
            <Line key={i} line={line} />
          ))}
        </code>
      </pre>
      {(shown.length < preview.totalLines || truncatedLines > 0) && (
        <div role="status" className="mt-2 flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
          <span>
            Showing {n(shown.length)} of {n(preview.totalLines)} lines
            {truncatedLines > 0 && `; ${n(truncatedLines)} long line${truncatedLines === 1 ? "" : "s"} truncated`}.
          </span>
          {shown.length < preview.lines.length && (
            <>
              <button type="button" className={buttonStyles.secondary} onClick={() => setLimit((l) => l + 2000)}>
                Show {n(Math.min(2000, preview.lines.length - shown.length))} more
              </button>
              {preview.complete && (
                <button type="button" className={buttonStyles.secondary} onClick={() => setLimit(preview.lines.length)}>
                  Show all {n(preview.lines.length)} lines
                </button>
              )}
            </>
          )}
          {!preview.complete && (
            <a href={downloadHref} download className={buttonStyles.secondary}>
              Download the whole diff{notSent > 0 ? ` (${n(notSent)} more lines)` : ""}
            </a>
          )}
        </div>
      )}
    </div>
  );
}
