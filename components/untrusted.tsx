// Panels for what an agent wrote. They say so, plainly, every time: the agent's words are claims
// to check against the operation, not facts.
import type { ReactNode } from "react";
import { SafeText } from "./safe-text";

export function UntrustedLabel() {
  return (
    <span className="inline-flex items-center gap-1 rounded border border-amber-400 bg-amber-50 px-1.5 py-0.5 text-[11px] font-semibold tracking-wide text-amber-900 uppercase dark:border-amber-600 dark:bg-amber-950 dark:text-amber-200">
      <svg viewBox="0 0 16 16" className="h-3 w-3 fill-current" aria-hidden="true">
        <path d="M8 1l7.5 13h-15L8 1zm-.8 5v4h1.6V6H7.2zm0 5.2v1.6h1.6v-1.6H7.2z" />
      </svg>
      Agent-supplied — untrusted
    </span>
  );
}

export function UntrustedPanel({ title, children, id }: { title: string; children: ReactNode; id: string }) {
  return (
    <section aria-labelledby={`${id}-title`} className="rounded-lg border border-dashed border-amber-400/80 bg-white dark:border-amber-700/70 dark:bg-zinc-900">
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-dashed border-amber-300 px-4 py-2.5 dark:border-amber-800/70">
        <h2 id={`${id}-title`} className="text-sm font-semibold">
          {title}
        </h2>
        <UntrustedLabel />
      </header>
      <div className="p-4">{children}</div>
    </section>
  );
}

/** A block of agent text: preserved line breaks, wrapped, escapes visible, direction isolated. */
export function UntrustedText({ text, className = "" }: { text: string; className?: string }) {
  return (
    <div dir="ltr" className={`untrusted text-sm leading-relaxed break-words whitespace-pre-wrap ${className}`}>
      <SafeText text={text} />
    </div>
  );
}
