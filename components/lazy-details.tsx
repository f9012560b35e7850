"use client";
// A closed <details> whose contents are only mounted once it is opened: a large block the reviewer
// rarely needs costs the page nothing until asked for.
import { useState, type ReactNode } from "react";

export function LazyDetails({ summary, children }: { summary: ReactNode; children: ReactNode }) {
  const [opened, setOpened] = useState(false);
  return (
    <details className="group" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      <summary className="cursor-pointer rounded text-xs font-medium text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-zinc-400 dark:hover:text-zinc-100">
        {summary}
      </summary>
      {opened && <div className="mt-2">{children}</div>}
    </details>
  );
}
