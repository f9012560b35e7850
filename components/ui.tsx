// Shared look: buttons, inputs, panels and notices. Plain functions and class strings so server
// and client components can both use them.
import type { ReactNode } from "react";

const focus = "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600";

export const buttonStyles = {
  primary: `inline-flex items-center justify-center gap-1.5 rounded-md bg-zinc-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-zinc-700 disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300 ${focus}`,
  approve: `inline-flex items-center justify-center gap-1.5 rounded-md bg-emerald-700 px-4 py-2 text-sm font-semibold text-white hover:bg-emerald-800 disabled:opacity-50 dark:bg-emerald-600 dark:hover:bg-emerald-500 ${focus}`,
  danger: `inline-flex items-center justify-center gap-1.5 rounded-md bg-red-700 px-4 py-2 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-50 dark:bg-red-600 dark:hover:bg-red-500 ${focus}`,
  secondary: `inline-flex items-center justify-center gap-1.5 rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 hover:bg-zinc-50 disabled:opacity-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800 ${focus}`,
  subtle: `inline-flex items-center justify-center gap-1 rounded px-2 py-1 text-xs font-medium text-zinc-700 hover:bg-zinc-100 disabled:opacity-50 dark:text-zinc-300 dark:hover:bg-zinc-800 ${focus}`,
} as const;

export const inputClass = `block w-full rounded-md border border-zinc-300 bg-white px-2.5 py-1.5 text-sm text-zinc-900 placeholder:text-zinc-400 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100 ${focus}`;
export const labelClass = "block text-xs font-medium text-zinc-700 dark:text-zinc-300";

export function Panel({ title, actions, children, className = "", id }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; id?: string }) {
  return (
    <section id={id} aria-labelledby={id && title ? `${id}-title` : undefined} className={`rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900 ${className}`}>
      {(title || actions) && (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-zinc-200 px-4 py-2.5 dark:border-zinc-800">
          {title && (
            <h2 id={id ? `${id}-title` : undefined} className="text-sm font-semibold">
              {title}
            </h2>
          )}
          {actions}
        </header>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

export function Notice({ tone, children, role }: { tone: "error" | "success" | "warning" | "info"; children: ReactNode; role?: "alert" | "status" }) {
  const tones = {
    error: "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100",
    success: "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-100",
    warning: "border-amber-300 bg-amber-50 text-amber-950 dark:border-amber-700 dark:bg-amber-950/60 dark:text-amber-100",
    info: "border-zinc-300 bg-zinc-50 text-zinc-800 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200",
  } as const;
  return (
    <div role={role ?? (tone === "error" ? "alert" : "status")} className={`rounded-md border px-3 py-2 text-sm ${tones[tone]}`}>
      {children}
    </div>
  );
}

/**
 * The dense table of an admin page inside a Panel: column headings, then the rows (`<tr>`s).
 * An empty heading is the actions column, named for screen readers only.
 */
export function PanelTable({ columns, children }: { columns: string[]; children: ReactNode }) {
  return (
    <div className="-m-4 overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-zinc-200 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
          <tr>
            {columns.map((column, i) => (
              <th key={column || `actions-${i}`} scope="col" className="px-4 py-2 font-medium">
                {column || <span className="sr-only">Actions</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">{children}</tbody>
      </table>
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="mt-0.5 text-sm text-zinc-600 dark:text-zinc-400">{description}</p>}
      </div>
      {actions}
    </div>
  );
}

export function Forbidden({ role }: { role: string }) {
  return (
    <div className="mx-auto max-w-lg py-12">
      <Notice tone="warning" role="alert">
        This page needs the <strong>{role}</strong> role. Ask an admin if you need access.
      </Notice>
    </div>
  );
}

/** A page's answer to a query it cannot apply (an unknown filter value, a NUL character): what is wrong and a way back. */
export function RefusedQuery({ title, message, resetHref }: { title: string; message: string; resetHref: string }) {
  return (
    <div className="space-y-4">
      <PageHeader title={title} />
      <Notice tone="error">
        {message}{" "}
        <a href={resetHref} className="underline">
          Clear the filters
        </a>
      </Notice>
    </div>
  );
}
