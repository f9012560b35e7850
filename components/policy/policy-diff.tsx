// A line diff between two policy versions, as text: a +/- marker on each changed line so the
// meaning does not rest on colour, and React text nodes only (no HTML from the rules).
import type { DiffLine } from "@/lib/policy/versions";
import { SafeText } from "../safe-text";

const LINE_CLASS: Record<DiffLine["kind"], string> = {
  added: "bg-emerald-50 text-emerald-950 dark:bg-emerald-950/50 dark:text-emerald-100",
  removed: "bg-red-50 text-red-950 dark:bg-red-950/50 dark:text-red-100",
  same: "text-zinc-700 dark:text-zinc-300",
};
const MARK: Record<DiffLine["kind"], string> = { added: "+", removed: "-", same: " " };

export function PolicyDiff({ lines, label }: { lines: DiffLine[]; label: string }) {
  const added = lines.filter((l) => l.kind === "added").length;
  const removed = lines.filter((l) => l.kind === "removed").length;
  return (
    <div>
      <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
        {added === 0 && removed === 0 ? (
          "The two versions have the same rules."
        ) : (
          <>
            <span className="font-medium text-emerald-700 dark:text-emerald-400">+{added}</span>{" "}
            <span className="font-medium text-red-700 dark:text-red-400">−{removed}</span> lines
          </>
        )}
      </p>
      <pre aria-label={label} tabIndex={0} className="max-h-[32rem] overflow-auto rounded-md border border-zinc-200 py-1 text-[13px] leading-5 dark:border-zinc-800">
        <code className="block font-mono">
          {lines.map((line, n) => (
            <span key={n} className={`block min-h-5 px-3 break-words whitespace-pre-wrap ${LINE_CLASS[line.kind]}`}>
              {MARK[line.kind]} <SafeText text={line.text} />
            </span>
          ))}
        </code>
      </pre>
    </div>
  );
}
