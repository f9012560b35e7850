// Long things folded, with what is folded counted: a tired reviewer sees the size of the agent's
// reasoning or transcript before deciding to read it, and the page stays one screen of facts.
import type { ReactNode } from "react";
import { UntrustedText } from "./untrusted";

/** Transcripts longer than this many messages start folded. */
export const FOLD_MESSAGES = 4;
/** Text longer than this many lines (or characters) shows its first lines and folds the rest. */
const FOLD_LINES = 8;
const FOLD_CHARS = 1_200;

export function countLines(text: string): number {
  return text === "" ? 0 : text.split(/\r\n|\r|\n/).length;
}

const SUMMARY_CLASS =
  "cursor-pointer rounded text-xs font-medium text-blue-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-300";

export function Fold({ open, summary, children }: { open: boolean; summary: string; children: ReactNode }) {
  if (open) return <>{children}</>;
  return (
    <details className="group">
      <summary className={SUMMARY_CLASS}>{summary}</summary>
      <div className="mt-2">{children}</div>
    </details>
  );
}

/** Agent text: whole when short; otherwise its first lines, and the rest behind a count. */
export function FoldedText({ text, what }: { text: string; what: string }) {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length <= FOLD_LINES && text.length <= FOLD_CHARS) return <UntrustedText text={text} />;
  let preview = lines.slice(0, Math.min(FOLD_LINES / 2, lines.length)).join("\n");
  if (preview.length > FOLD_CHARS / 2) preview = `${preview.slice(0, FOLD_CHARS / 2)}…`;
  return (
    <details className="group">
      <summary className="list-none [&::-webkit-details-marker]:hidden">
        <div className="group-open:hidden">
          <UntrustedText text={preview} />
        </div>
        <span className={SUMMARY_CLASS}>
          <span className="group-open:hidden">
            Show all of the {what}: {lines.length.toLocaleString("en")} lines, {text.length.toLocaleString("en")} characters
          </span>
          <span className="hidden group-open:inline">Fold the {what}</span>
        </span>
      </summary>
      <div className="mt-2">
        <UntrustedText text={text} />
      </div>
    </details>
  );
}
