"use client";
// Copies a value (an API key shown once) to the clipboard and says so.
import { useState } from "react";
import { buttonStyles } from "./ui";

export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <button
      type="button"
      className={buttonStyles.secondary}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setState("copied");
        } catch {
          setState("failed");
        }
      }}
    >
      {label}
      <span role="status" className="text-xs font-normal text-zinc-600 dark:text-zinc-400">
        {state === "copied" ? "Copied" : state === "failed" ? "Select and copy by hand" : ""}
      </span>
    </button>
  );
}
