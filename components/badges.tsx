// Environment, risk and status badges. State is carried by words as well as colour.
import { escapeInvisible } from "@/lib/dashboard/invisible";
import { InlineUntrusted } from "./safe-text";

const base = "inline-flex items-center gap-1 whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-semibold";

// An agent with an environment glob such as `*` chooses the name: escaped like all agent text.
export function EnvironmentBadge({ name, production }: { name: string; production: boolean }) {
  const shown = escapeInvisible(name);
  if (production) {
    return (
      <span className={`${base} bg-red-700 text-white ring-1 ring-red-900 dark:bg-red-600 dark:ring-red-400`} title={`${shown}: production tier`}>
        <svg viewBox="0 0 16 16" className="h-3 w-3 fill-current" aria-hidden="true">
          <path d="M8 1l7.5 13h-15L8 1zm-.8 5v4h1.6V6H7.2zm0 5.2v1.6h1.6v-1.6H7.2z" />
        </svg>
        <InlineUntrusted text={name} />
        {name.toLowerCase() !== "production" && <span className="rounded-sm bg-white/20 px-1 text-[10px] tracking-wide uppercase">Production</span>}
      </span>
    );
  }
  return (
    <span className={`${base} bg-sky-50 text-sky-900 ring-1 ring-sky-300 dark:bg-sky-950 dark:text-sky-100 dark:ring-sky-800`} title={`${shown}: non-production tier`}>
      <InlineUntrusted text={name} />
    </span>
  );
}

const RISK_STYLE: Record<string, string> = {
  critical: "bg-red-100 text-red-900 ring-1 ring-red-400 dark:bg-red-950 dark:text-red-100 dark:ring-red-700",
  high: "bg-orange-100 text-orange-900 ring-1 ring-orange-400 dark:bg-orange-950 dark:text-orange-100 dark:ring-orange-700",
  medium: "bg-amber-50 text-amber-900 ring-1 ring-amber-300 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-700",
  low: "bg-emerald-50 text-emerald-900 ring-1 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-100 dark:ring-emerald-800",
};
const RISK_MARK: Record<string, string> = { critical: "■■■■", high: "■■■□", medium: "■■□□", low: "■□□□" };

export function RiskBadge({ level }: { level: string }) {
  return (
    <span className={`${base} ${RISK_STYLE[level] ?? RISK_STYLE.medium}`}>
      <span aria-hidden="true" className="text-[8px] tracking-tighter">
        {RISK_MARK[level] ?? ""}
      </span>
      <span className="capitalize">{level}</span>
      <span className="sr-only">risk</span>
    </span>
  );
}

const STATUS_STYLE: Record<string, string> = {
  pending: "bg-blue-50 text-blue-900 ring-1 ring-blue-300 dark:bg-blue-950 dark:text-blue-100 dark:ring-blue-800",
  cooling_down: "bg-amber-50 text-amber-900 ring-1 ring-amber-300 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-800",
  approved: "bg-emerald-50 text-emerald-900 ring-1 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-100 dark:ring-emerald-800",
  executed: "bg-emerald-100 text-emerald-950 ring-1 ring-emerald-400 dark:bg-emerald-900 dark:text-emerald-50 dark:ring-emerald-700",
  denied: "bg-red-50 text-red-900 ring-1 ring-red-300 dark:bg-red-950 dark:text-red-100 dark:ring-red-800",
  failed: "bg-red-100 text-red-950 ring-1 ring-red-400 dark:bg-red-900 dark:text-red-50 dark:ring-red-700",
  revoked: "bg-violet-50 text-violet-900 ring-1 ring-violet-300 dark:bg-violet-950 dark:text-violet-100 dark:ring-violet-800",
  expired: "bg-zinc-100 text-zinc-700 ring-1 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  cancelled: "bg-zinc-100 text-zinc-700 ring-1 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
};
const STATUS_ICON: Record<string, string> = {
  pending: "◷",
  cooling_down: "⏳",
  approved: "✓",
  executed: "✓✓",
  denied: "✕",
  failed: "!",
  revoked: "↺",
  expired: "⌛",
  cancelled: "–",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`${base} ${STATUS_STYLE[status] ?? STATUS_STYLE.expired}`}>
      <span aria-hidden="true">{STATUS_ICON[status] ?? ""}</span>
      <span className="capitalize">{status.replace("_", " ")}</span>
    </span>
  );
}

export function RoleBadge({ role }: { role: string }) {
  const style =
    role === "admin"
      ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900"
      : role === "approver"
        ? "bg-zinc-200 text-zinc-900 dark:bg-zinc-700 dark:text-zinc-100"
        : "bg-white text-zinc-700 ring-1 ring-zinc-300 dark:bg-zinc-900 dark:text-zinc-300 dark:ring-zinc-700";
  return <span className={`${base} ${style}`}>{role}</span>;
}
