// The process-wide shutdown signal. server.ts fires it on SIGTERM/SIGINT so that long-polls
// answer their current state at once instead of holding the shutdown up; shared through
// globalThis because the custom server and the Next.js route bundles load this module separately.
const holder = globalThis as unknown as {
  __countersignShutdown?: { controller: AbortController; tied: Set<AbortController>; tiedSignals: WeakSet<AbortSignal> };
};

function state() {
  return (holder.__countersignShutdown ??= { controller: new AbortController(), tied: new Set(), tiedSignals: new WeakSet() });
}

export function shutdownSignal(): AbortSignal {
  return state().controller.signal;
}

export function beginShutdown(): void {
  const { controller, tied } = state();
  controller.abort(new Error("Countersign is shutting down"));
  for (const request of tied) request.abort(controller.signal.reason);
  tied.clear();
}

/**
 * Aborts `request` (a request's own controller) also when the server begins shutting down, until
 * the returned release is called. The custom server ties each request it answers itself, so a
 * long-poll's signal needs no AbortSignal.any of its own: thousands of agents waiting then cost a
 * set entry each instead of a combined signal and its listeners each.
 */
export function tieToShutdown(request: AbortController): () => void {
  const { controller, tied, tiedSignals } = state();
  tiedSignals.add(request.signal);
  if (controller.signal.aborted) {
    request.abort(controller.signal.reason);
    return () => undefined;
  }
  tied.add(request);
  return () => void tied.delete(request);
}

/** A request's own signal, also aborted when the server begins shutting down. */
export function untilShutdown(signal: AbortSignal): AbortSignal {
  return state().tiedSignals.has(signal) ? signal : AbortSignal.any([signal, shutdownSignal()]);
}
