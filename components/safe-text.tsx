// Renders text an agent wrote: always as React text nodes (never HTML), with invisible, zero-width,
// bidirectional-control and control characters shown as visible escapes like \u202E.
import { splitInvisible } from "@/lib/dashboard/invisible";
import { codeSpans } from "@/lib/dashboard/headline";

export function EscapeMark({ text, label }: { text: string; label: string }) {
  return (
    <span
      title={label}
      aria-label={`hidden character ${label}`}
      className="mx-px rounded-sm bg-amber-300 px-0.5 whitespace-nowrap font-mono text-[0.85em] font-semibold text-amber-950 ring-1 ring-amber-500 dark:bg-amber-400"
    >
      {text}
    </span>
  );
}

export function SafeText({ text }: { text: string }) {
  return (
    <>
      {splitInvisible(text).map((segment, i) =>
        segment.kind === "text" ? segment.text : <EscapeMark key={i} text={segment.text} label={segment.label} />,
      )}
    </>
  );
}

/** Agent text inline among trusted text: isolated so its direction cannot reorder what surrounds it. */
export function InlineUntrusted({ text, className }: { text: string; className?: string }) {
  return (
    <bdi className={className}>
      <SafeText text={text} />
    </bdi>
  );
}

/**
 * Countersign's own sentences name tables and columns between backticks ("Drops table
 * `public.customers_old`"): shown as code, not as backticks. The names inside may come from an
 * agent or a database, so they stay inert text with escapes.
 */
export function CodeSpans({ text }: { text: string }) {
  return (
    <>
      {codeSpans(text).map((span, i) =>
        span.code ? (
          <code key={i} className="rounded bg-zinc-100 px-1 py-px font-mono text-[0.9em] dark:bg-zinc-800">
            <SafeText text={span.text} />
          </code>
        ) : (
          <SafeText key={i} text={span.text} />
        ),
      )}
    </>
  );
}
