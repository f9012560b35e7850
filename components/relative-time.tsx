"use client";
// "3 min ago" that stays right while the page is open; the exact time is in the tooltip.
import { useEffect, useState } from "react";

export function formatAgo(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export function RelativeTime({ at, now: serverNow }: { at: string; now?: string }) {
  const [now, setNow] = useState(() => (serverNow ? new Date(serverNow).getTime() : Date.now()));
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <time dateTime={at} title={new Date(at).toUTCString()} suppressHydrationWarning className="tabular-nums">
      {formatAgo(now - new Date(at).getTime())}
    </time>
  );
}
