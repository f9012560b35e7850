"use client";
// Re-renders the request page when another reviewer (or the agent, or the clock) changes it.
import { useEffect, useRef } from "react";
import { useRouter } from "next/navigation";
import { useRequestState } from "@/lib/dashboard/queries";

export function LiveRefresh({ requestId, version }: { requestId: string; version: string }) {
  const router = useRouter();
  const { data } = useRequestState(requestId);
  const rendered = useRef(version);
  rendered.current = version;
  useEffect(() => {
    if (data && data.version !== rendered.current) router.refresh();
  }, [data, router]);
  return null;
}
