"use client";
// The dashboard's navigation bar. Pages are listed only for the roles that may open them (the pages check anyway).
import Link from "next/link";
import { usePathname } from "next/navigation";
import { Logo } from "./logo";
import { RoleBadge } from "./badges";

export interface NavReviewer {
  email: string;
  name: string | null;
  role: string;
}

// Who sees each link: everyone signed in, approvers and admins, or admins only.
const LINKS: Array<{ href: string; label: string; for: "all" | "approver" | "admin" }> = [
  { href: "/", label: "Inbox", for: "all" },
  { href: "/agents", label: "Agents", for: "admin" },
  { href: "/users", label: "Users", for: "admin" },
  { href: "/environments", label: "Environments", for: "admin" },
  { href: "/resources", label: "Resources", for: "admin" },
  { href: "/policy", label: "Policy", for: "approver" },
  { href: "/audit", label: "Audit", for: "admin" },
  { href: "/webhooks", label: "Webhooks", for: "admin" },
  { href: "/settings", label: "Settings", for: "admin" },
  { href: "/account", label: "Account", for: "all" },
];

export function Nav({ reviewer, signOut }: { reviewer: NavReviewer | null; signOut: () => Promise<void> }) {
  const pathname = usePathname();
  const links = LINKS.filter((l) => l.for === "all" || reviewer?.role === "admin" || (l.for === "approver" && reviewer?.role === "approver"));
  const isActive = (href: string) => (href === "/" ? pathname === "/" || pathname.startsWith("/requests") : pathname.startsWith(href));
  return (
    <header className="sticky top-0 z-10 border-b border-zinc-200 bg-white/95 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/95">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-1 px-3 py-2 sm:px-6">
        <Link href="/" className="flex items-center gap-2 rounded font-semibold tracking-tight focus-visible:outline-2 focus-visible:outline-blue-600">
          <Logo className="h-5 w-5" />
          <span>Countersign</span>
        </Link>
        <nav aria-label="Main" className="order-3 -mx-3 w-full overflow-x-auto px-3 sm:order-none sm:mx-0 sm:w-auto sm:px-0">
          <ul className="flex gap-1">
            {links.map((link) => (
              <li key={link.href}>
                <Link
                  href={link.href}
                  aria-current={isActive(link.href) ? "page" : undefined}
                  className={`block rounded-md px-2.5 py-1.5 text-sm whitespace-nowrap focus-visible:outline-2 focus-visible:outline-blue-600 ${
                    isActive(link.href)
                      ? "bg-zinc-100 font-medium text-zinc-900 dark:bg-zinc-800 dark:text-zinc-50"
                      : "text-zinc-600 hover:bg-zinc-50 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-900 dark:hover:text-zinc-100"
                  }`}
                >
                  {link.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {reviewer && (
          <div className="ml-auto flex min-w-0 items-center gap-2 text-sm">
            <span className="hidden max-w-48 truncate text-zinc-600 sm:inline dark:text-zinc-400" title={reviewer.email}>
              {reviewer.name || reviewer.email}
            </span>
            <RoleBadge role={reviewer.role} />
            <form action={signOut}>
              <button type="submit" className="rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100">
                Sign out
              </button>
            </form>
          </div>
        )}
      </div>
    </header>
  );
}
