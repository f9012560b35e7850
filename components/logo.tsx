// The Countersign mark: two overlapping signatures' strokes, drawn inline (no image request).
export function Logo({ className = "h-6 w-6" }: { className?: string }) {
  return (
    <svg viewBox="0 0 24 24" className={className} aria-hidden="true" focusable="false">
      <rect x="1" y="1" width="22" height="22" rx="6" className="fill-zinc-900 dark:fill-zinc-100" />
      <path d="M6 13.5l3 3 4.5-7" fill="none" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" className="stroke-white dark:stroke-zinc-900" />
      <path d="M11.5 13.5l3 3 4.5-7" fill="none" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" className="stroke-emerald-400 dark:stroke-emerald-600" />
    </svg>
  );
}
