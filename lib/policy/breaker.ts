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

export const BreakerThresholds = z.strictObject({
  /** Quarantine when at least this many counted requests fall inside the window. */
  count: z.number().int().min(1).max(1000),
  windowSeconds: z.number().int().min(1).max(7 * 24 * 3600),
  /** A request at or above this risk counts, whatever its status. */
  minRisk: z.enum(RISK_LEVELS as [RiskLevel, ...RiskLevel[]]),
  /** A request in one of these statuses counts, whatever its risk. */
  statuses: z.array(z.string().min(1).max(40)).max(20),
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

/** Whether a request with this risk and status counts towards the breaker. */
export function countsTowardBreaker(event: Pick<BreakerEvent, "risk" | "status">, thresholds: BreakerThresholds): boolean {
  return compareRisk(event.risk, thresholds.minRisk) >= 0 || thresholds.statuses.includes(event.status);
}

function breakerWords(limits: BreakerThresholds): { what: string; window: string } {
  const what = `${limits.minRisk === "critical" ? "critical" : `${limits.minRisk}-or-higher`}${limits.statuses.length ? ` or ${limits.statuses.join("/")}` : ""} requests`;
  const window = limits.windowSeconds % 60 === 0 ? `${limits.windowSeconds / 60} minute${limits.windowSeconds === 60 ? "" : "s"}` : `${limits.windowSeconds} seconds`;
  return { what, window };
}

/** The thresholds in a sentence, for the policy page. */
export function describeBreaker(thresholds: BreakerThresholds): string {
  const { what, window } = breakerWords(thresholds);
  return `An agent that sends ${thresholds.count} ${what} within ${window} is quarantined until an admin lifts it.`;
}

/**
 * Decides whether to quarantine an agent. Counts requests created in `(now − window, now]` that
 * are at or above `minRisk` or in one of `statuses`; requests dated after `now` (another clock)
 * are counted too, so skew cannot hide a burst.
 */
export function evaluateBreaker(history: readonly BreakerEvent[], thresholds: BreakerThresholds, now: Date): BreakerDecision {
  const limits = BreakerThresholds.parse(thresholds);
  const windowStart = new Date(now.getTime() - limits.windowSeconds * 1000);
  const counted = history
    .filter((event) => event.createdAt.getTime() > windowStart.getTime() && countsTowardBreaker(event, limits))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const quarantine = counted.length >= limits.count;
  const { what, window } = breakerWords(limits);
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
