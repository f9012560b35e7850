"use client";
// Syntax-highlighted, line-numbered code built from tokens as React elements (no HTML strings).
// Long lines wrap so nothing hides past the right edge; very long inputs show their first lines
// until the reviewer asks for all of them.
import { useMemo, useState } from "react";
import { tokenize, tokenLines, type Language, type TokenType } from "@/lib/dashboard/highlight";
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

export function CodeView({ code, language, label, initialLines = INITIAL_LINES }: { code: string; language: Language; label: string; initialLines?: number }) {
  const [showAll, setShowAll] = useState(false);
  const lines = useMemo(() => tokenLines(tokenize(code, language)), [code, language]);
  const shown = showAll ? lines : lines.slice(0, initialLines);
  const width = String(lines.length).length;
  return (
    <div>
      <pre
        aria-label={label}
        tabIndex={0}
        className="overflow-x-auto rounded-md border border-zinc-200 bg-zinc-50 py-2 text-[13px] leading-5 dark:border-zinc-800 dark:bg-zinc-950"
      >
        <code className="block font-mono">
          {shown.map((line, n) => (
            <span key={n} className="flex">
              <span aria-hidden="true" className="shrink-0 select-none pr-3 pl-2 text-right text-zinc-400 dark:text-zinc-600">
                {String(n + 1).padStart(width, " ")}
              </span>
              <span className="min-h-5 min-w-0 flex-1 pr-3 break-all whitespace-pre-wrap">
                {line.map((token, i) => (
                  <span key={i} className={TOKEN_CLASS[token.type]}>
                    <SafeText text={token.text} />
                  </span>
                ))}
              </span>
            </span>
          ))}
        </code>
      </pre>
      {lines.length > shown.length && (
        <p className="mt-2 flex items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
          Showing {shown.length.toLocaleString("en")} of {lines.length.toLocaleString("en")} lines.
          <button type="button" className={buttonStyles.secondary} onClick={() => setShowAll(true)}>
            Show all {lines.length.toLocaleString("en")} lines
          </button>
        </p>
      )}
    </div>
  );
}
