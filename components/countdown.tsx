"use client";
// Time left until a deadline, ticking each second. The server renders the same text once.
// `phrase` fits the sentence around it: "14:53 left" on its own (the inbox), "in 14:53" after a
// verb ("Expires in 14:53", "the grant is issued in 0:30").
import { useEffect, useState } from "react";

export type CountdownPhrase = "left" | "in";

/** Amber when a deadline is under ten minutes away, red under two. */
const SOON_MS = 10 * 60_000;
const URGENT_MS = 2 * 60_000;

function duration(s: number): string {
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return `${m}:${String(sec).padStart(2, "0")}`;
}

export function formatRemaining(ms: number, phrase: CountdownPhrase = "left"): string {
  if (ms <= 0) return phrase === "in" ? "now (expired)" : "expired";
  const text = duration(Math.floor(ms / 1000));
  return phrase === "in" ? `in ${text}` : `${text} left`;
}

export function Countdown({ to, now: serverNow, phrase = "left", className = "" }: { to: string; now?: string; phrase?: CountdownPhrase; className?: string }) {
  const target = new Date(to).getTime();
  const [now, setNow] = useState(() => (serverNow ? new Date(serverNow).getTime() : Date.now()));
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const remaining = target - now;
  const tone = remaining > 0 && remaining < URGENT_MS ? "font-semibold text-red-700 dark:text-red-400" : remaining > 0 && remaining < SOON_MS ? "font-semibold text-amber-700 dark:text-amber-400" : "";
  return (
    <time dateTime={to} title={new Date(to).toUTCString()} suppressHydrationWarning className={`whitespace-nowrap tabular-nums ${tone} ${className}`}>
      {formatRemaining(remaining, phrase)}
    </time>
  );
}
