// The circuit breaker: an agent that sends a burst of critical or denied requests is quarantined
// until an admin lifts it. This is the decision only, a pure function of the agent's recent
// requests, the thresholds and the time; recording the quarantine is the caller's job.
import { z } from "zod";
import { RISK_LEVELS, compareRisk, type RiskLevel } from "../risk/levels";

/** One of the agent's recent requests, as the breaker sees it. */
export interface BreakerEvent {
  requestId: string;
  createdAt: Date;
  risk: RiskLevel;
  /** The request's status now (`denied` whether policy or a reviewer denied it). */
  status: string;
}

/**
 * A further trip wire for bursts of lesser requests: `count` requests at or above `minRisk` within
 * `windowSeconds`, whatever their status. A loop sending a hundred medium DELETEs a minute is no
 * more person-paced than one sending twenty DROPs.
 */
export const BreakerBurst = z.strictObject({
  minRisk: z.enum(RISK_LEVELS as [RiskLevel, ...RiskLevel[]]),
  count: z.number().int().min(2).max(100_000),
  windowSeconds: z.number().int().min(1).max(7 * 24 * 3600),
});
export type BreakerBurst = z.infer<typeof BreakerBurst>;

export const BreakerThresholds = z.strictObject({
  /** Quarantine when at least this many counted requests fall inside the window. */
  count: z.number().int().min(1).max(1000),
  windowSeconds: z.number().int().min(1).max(7 * 24 * 3600),
  /** A request at or above this risk counts, whatever its status. */
  minRisk: z.enum(RISK_LEVELS as [RiskLevel, ...RiskLevel[]]),
  /** A request in one of these statuses counts, whatever its risk. */
  statuses: z.array(z.string().min(1).max(40)).max(20),
  /** Bursts of medium or high requests that quarantine too (none by default). */
  bursts: z.array(BreakerBurst).max(10).optional(),
});
export type BreakerThresholds = z.infer<typeof BreakerThresholds>;

/**
 * Twenty critical-or-denied requests within ten minutes: far more than a person-paced agent
 * sends (each critical request waits for people), and reached in seconds by a runaway loop.
 */
export const DEFAULT_BREAKER_THRESHOLDS: Readonly<BreakerThresholds> = Object.freeze({
  count: 20,
  windowSeconds: 600,
  minRisk: "critical",
  statuses: ["denied"],
});

export interface BreakerDecision {
  quarantine: boolean;
  /** How many requests counted inside the window. */
  count: number;
  /** The counted requests, oldest first: the evidence for the audit event and the Slack alert. */
  requestIds: string[];
  windowStart: Date;
  /** A sentence for the audit log and the alert. */
  reason: string;
}

/** Whether a request counts towards the main count: at or above minRisk, or in one of statuses. */
function countsTowardMain(event: Pick<BreakerEvent, "risk" | "status">, thresholds: BreakerThresholds): boolean {
  return compareRisk(event.risk, thresholds.minRisk) >= 0 || thresholds.statuses.includes(event.status);
}

/** Whether a request with this risk and status counts towards the breaker (its main count or a burst's). */
export function countsTowardBreaker(event: Pick<BreakerEvent, "risk" | "status">, thresholds: BreakerThresholds): boolean {
  return (
    countsTowardMain(event, thresholds) ||
    (thresholds.bursts ?? []).some((burst) => compareRisk(event.risk, burst.minRisk) >= 0)
  );
}

/** How far back the breaker looks: its longest window. */
export function breakerLookbackSeconds(thresholds: BreakerThresholds): number {
  return Math.max(thresholds.windowSeconds, ...(thresholds.bursts ?? []).map((burst) => burst.windowSeconds));
}

const levelWords = (level: RiskLevel) => (level === "critical" ? "critical" : `${level}-or-higher`);
const windowWords = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? "" : "s"}` : `${seconds} seconds`);

function breakerWords(limits: BreakerThresholds): { what: string; window: string } {
  const what = `${levelWords(limits.minRisk)}${limits.statuses.length ? ` or ${limits.statuses.join("/")}` : ""} requests`;
  return { what, window: windowWords(limits.windowSeconds) };
}

/** The thresholds in a sentence, for the policy page. */
export function describeBreaker(thresholds: BreakerThresholds): string {
  const { what, window } = breakerWords(thresholds);
  const bursts = (thresholds.bursts ?? []).map((burst) => `${burst.count} ${levelWords(burst.minRisk)} requests within ${windowWords(burst.windowSeconds)}`);
  return `An agent that sends ${thresholds.count} ${what} within ${window}${bursts.length ? `, or ${bursts.join(", or ")},` : ""} is quarantined until an admin lifts it.`;
}

/**
 * Decides whether to quarantine an agent. Counts requests created in `(now − window, now]` that
 * are at or above `minRisk` or in one of `statuses`, then each of `bursts` over its own window;
 * requests dated after `now` (another clock) are counted too, so skew cannot hide a burst.
 */
export function evaluateBreaker(history: readonly BreakerEvent[], thresholds: BreakerThresholds, now: Date): BreakerDecision {
  const limits = BreakerThresholds.parse(thresholds);
  const windowStart = new Date(now.getTime() - limits.windowSeconds * 1000);
  const counted = history
    .filter((event) => event.createdAt.getTime() > windowStart.getTime() && countsTowardMain(event, limits))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const quarantine = counted.length >= limits.count;
  const { what, window } = breakerWords(limits);
  if (!quarantine) {
    // The bursts of lesser requests, each over its own window: the first that trips decides.
    for (const burst of limits.bursts ?? []) {
      const start = new Date(now.getTime() - burst.windowSeconds * 1000);
      const inBurst = history
        .filter((event) => event.createdAt.getTime() > start.getTime() && compareRisk(event.risk, burst.minRisk) >= 0)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      if (inBurst.length < burst.count) continue;
      return {
        quarantine: true,
        count: inBurst.length,
        requestIds: inBurst.map((event) => event.requestId),
        windowStart: start,
        reason: `Quarantined: ${inBurst.length} ${levelWords(burst.minRisk)} requests in the last ${windowWords(burst.windowSeconds)} (burst threshold ${burst.count}).`,
      };
    }
  }
  return {
    quarantine,
    count: counted.length,
    requestIds: counted.map((event) => event.requestId),
    windowStart,
    reason: quarantine
      ? `Quarantined: ${counted.length} ${what} in the last ${window} (threshold ${limits.count}).`
      : `Not quarantined: ${counted.length} of ${limits.count} ${what} in the last ${window}.`,
  };
}
