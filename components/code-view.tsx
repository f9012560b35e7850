"use client";
// Syntax-highlighted, line-numbered code built from tokens as React elements (no HTML strings).
// Long lines wrap so nothing hides past the right edge; a line too long to draw is cut with a
// visible note, and very long inputs show their first lines until the reviewer asks for all of them.
// Where it is given, `downloadHref` serves the whole text, exactly, for what is cut here.
import { useMemo, useState } from "react";
import { cutTokenLine, tokenize, tokenLines, type Language, type TokenType } from "@/lib/dashboard/highlight";
import { SafeText } from "./safe-text";
import { buttonStyles } from "./ui";

const TOKEN_CLASS: Record<TokenType, string> = {
  keyword: "font-semibold text-violet-700 dark:text-violet-300",
  string: "text-emerald-800 dark:text-emerald-300",
  number: "text-orange-700 dark:text-orange-300",
  comment: "italic text-zinc-500 dark:text-zinc-400",
  identifier: "text-zinc-900 dark:text-zinc-100",
  key: "text-sky-800 dark:text-sky-300",
  literal: "text-rose-700 dark:text-rose-300",
  operator: "text-zinc-600 dark:text-zinc-400",
  punctuation: "text-zinc-500 dark:text-zinc-400",
  variable: "text-teal-700 dark:text-teal-300",
  whitespace: "",
  text: "text-zinc-900 dark:text-zinc-100",
};

export const INITIAL_LINES = 400;

const n = (value: number) => value.toLocaleString("en");

export function CodeView({
  code,
  language,
  label,
  initialLines = INITIAL_LINES,
  downloadHref,
  downloadLabel = "Download the whole text",
}: {
  code: string;
  language: Language;
  label: string;
  initialLines?: number;
  downloadHref?: string;
  downloadLabel?: string;
}) {
  const [showAll, setShowAll] = useState(false);
  const lines = useMemo(() => tokenLines(tokenize(code, language)).map((line) => cutTokenLine(line)), [code, language]);
  const shown = showAll ? lines : lines.slice(0, initialLines);
  const width = String(lines.length).length;
  const truncated = lines.filter((line) => line.truncated).length;
  return (
    <div>
      <pre
        aria-label={label}
        tabIndex={0}
        className="overflow-x-auto rounded-md border border-zinc-200 bg-zinc-50 py-2 text-[13px] leading-5 dark:border-zinc-800 dark:bg-zinc-950"
      >
        <code className="block font-mono">
          {shown.map((line, index) => (
            <span key={index} className="flex">
              <span aria-hidden="true" className="shrink-0 select-none pr-3 pl-2 text-right text-zinc-500 dark:text-zinc-400">
                {String(index + 1).padStart(width, " ")}
              </span>
              <span className="min-h-5 min-w-0 flex-1 pr-3 break-words whitespace-pre-wrap">
                {line.tokens.map((token, i) => (
                  <span key={i} className={TOKEN_CLASS[token.type]}>
                    <SafeText text={token.text} />
                  </span>
                ))}
                {line.truncated && (
                  <span className="ml-1 rounded-sm bg-zinc-200 px-1 font-sans text-[11px] font-semibold text-zinc-800 dark:bg-zinc-700 dark:text-zinc-100">
                    … line truncated: first {n(line.tokens.reduce((sum, t) => sum + t.text.length, 0))} of {n(line.length)} characters shown
                  </span>
                )}
              </span>
            </span>
          ))}
        </code>
      </pre>
      {(lines.length > shown.length || truncated > 0) && (
        <p className="mt-2 flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
          {lines.length > shown.length ? `Showing ${n(shown.length)} of ${n(lines.length)} lines` : `${n(lines.length)} line${lines.length === 1 ? "" : "s"}`}
          {truncated > 0 && `; ${n(truncated)} long line${truncated === 1 ? "" : "s"} truncated`}.
          {lines.length > shown.length && (
            <button type="button" className={buttonStyles.secondary} onClick={() => setShowAll(true)}>
              Show all {n(lines.length)} lines
            </button>
          )}
          {truncated > 0 && downloadHref && (
            <a href={downloadHref} download className={buttonStyles.secondary}>
              {downloadLabel}
            </a>
          )}
        </p>
      )}
    </div>
  );
}
