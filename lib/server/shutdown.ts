// The process-wide shutdown signal. server.ts fires it on SIGTERM/SIGINT so that long-polls
// answer their current state at once instead of holding the shutdown up; shared through
// globalThis because the custom server and the Next.js route bundles load this module separately.
const holder = globalThis as unknown as { __countersignShutdown?: AbortController };

function controller(): AbortController {
  return (holder.__countersignShutdown ??= new AbortController());
}

export function shutdownSignal(): AbortSignal {
  return controller().signal;
}

export function beginShutdown(): void {
  controller().abort(new Error("Countersign is shutting down"));
}

/** A request's own signal, also aborted when the server begins shutting down. */
export function untilShutdown(signal: AbortSignal): AbortSignal {
  return AbortSignal.any([signal, shutdownSignal()]);
}
