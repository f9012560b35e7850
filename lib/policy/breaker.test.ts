import { describe, expect, it } from "vitest";
import type { RiskLevel } from "../risk/levels";
import { DEFAULT_BREAKER_THRESHOLDS as DEFAULTS, breakerLookbackSeconds, countsTowardBreaker, describeBreaker, evaluateBreaker, type BreakerEvent } from "./breaker";

// The cases below use a threshold of five; the default differs only in the count.
const DEFAULT_BREAKER_THRESHOLDS = { ...DEFAULTS, count: 5 };

const now = new Date("2026-11-25T12:00:00Z");
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
let seq = 0;
const event = (secondsAgo: number, risk: RiskLevel, status = "pending"): BreakerEvent => ({ requestId: `r${++seq}`, createdAt: ago(secondsAgo), risk, status });
const burst = (n: number, make: (i: number) => BreakerEvent) => Array.from({ length: n }, (_, i) => make(i));

describe("evaluateBreaker with the default thresholds (5 critical-or-denied in 10 minutes)", () => {
  it.each([
    ["5 critical requests in 10 minutes", burst(5, (i) => event(60 * i, "critical")), true, 5],
    ["5 denied requests of any risk", burst(5, (i) => event(60 * i, "low", "denied")), true, 5],
    ["a mix of critical and denied", [event(10, "critical"), event(20, "low", "denied"), event(30, "critical", "approved"), event(40, "high", "denied"), event(50, "critical", "executed")], true, 5],
    ["4 critical requests", burst(4, (i) => event(60 * i, "critical")), false, 4],
    ["20 high, pending requests", burst(20, (i) => event(10 * i, "high")), false, 0],
    ["5 critical requests spread over an hour", burst(5, (i) => event(900 * i, "critical")), false, 1],
    ["exactly at the window's start does not count", [...burst(4, (i) => event(i, "critical")), event(600, "critical")], false, 4],
    ["just inside the window counts", [...burst(4, (i) => event(i, "critical")), event(599, "critical")], true, 5],
    ["requests dated after now (clock skew) still count", [...burst(4, (i) => event(i, "critical")), event(-30, "critical")], true, 5],
    ["no history", [], false, 0],
  ])("%s", (_label, history, quarantine, count) => {
    const decision = evaluateBreaker(history, DEFAULT_BREAKER_THRESHOLDS, now);
    expect(decision.quarantine).toBe(quarantine);
    expect(decision.count).toBe(count);
    expect(decision.requestIds).toHaveLength(count);
  });

  it("names the evidence, oldest first, and explains itself", () => {
    const history = [event(30, "critical"), event(300, "critical"), event(10, "low", "denied"), event(200, "critical"), event(100, "critical"), event(5, "low")];
    const decision = evaluateBreaker(history, DEFAULT_BREAKER_THRESHOLDS, now);
    expect(decision.requestIds).toEqual([history[1], history[3], history[4], history[0], history[2]].map((e) => e.requestId));
    expect(decision.windowStart).toEqual(ago(600));
    expect(decision.reason).toBe("Quarantined: 5 critical or denied requests in the last 10 minutes (threshold 5).");
  });

  it("defaults to twenty critical-or-denied requests in ten minutes", () => {
    expect(DEFAULTS).toEqual({ count: 20, windowSeconds: 600, minRisk: "critical", statuses: ["denied"] });
  });

  it("uses the thresholds it is given", () => {
    const history = burst(3, (i) => event(i, "high"));
    const strict = { count: 3, windowSeconds: 60, minRisk: "high" as const, statuses: [] };
    expect(evaluateBreaker(history, strict, now)).toMatchObject({ quarantine: true, count: 3 });
    expect(evaluateBreaker(history, strict, now).reason).toBe("Quarantined: 3 high-or-higher requests in the last 1 minute (threshold 3).");
    expect(evaluateBreaker(history, { ...strict, minRisk: "critical" }, now).quarantine).toBe(false);
  });

  it.each([
    ["a zero count", { count: 0 }],
    ["a negative window", { windowSeconds: -1 }],
    ["an unknown risk", { minRisk: "severe" }],
    ["an unknown key", { burst: 3 }],
  ])("refuses thresholds with %s rather than never (or always) tripping", (_label, patch) => {
    expect(() => evaluateBreaker([], { ...DEFAULT_BREAKER_THRESHOLDS, ...patch } as never, now)).toThrow();
  });
});

describe("evaluateBreaker with bursts of medium and high requests", () => {
  const limits = {
    ...DEFAULT_BREAKER_THRESHOLDS,
    bursts: [
      { minRisk: "high" as const, count: 10, windowSeconds: 300 },
      { minRisk: "medium" as const, count: 30, windowSeconds: 60 },
    ],
  };

  it.each([
    ["30 medium requests in a minute", burst(30, (i) => event(i, "medium")), true, "Quarantined: 30 medium-or-higher requests in the last 1 minute (burst threshold 30)."],
    ["29 medium requests in a minute", burst(29, (i) => event(i, "medium")), false, null],
    ["30 medium requests over two minutes", burst(30, (i) => event(4 * i, "medium")), false, null],
    ["10 high requests in five minutes", burst(10, (i) => event(25 * i, "high")), true, "Quarantined: 10 high-or-higher requests in the last 5 minutes (burst threshold 10)."],
    ["9 high and 21 medium in a minute count toward the medium burst", [...burst(9, (i) => event(i, "high")), ...burst(21, (i) => event(i, "medium"))], true, "Quarantined: 30 medium-or-higher requests in the last 1 minute (burst threshold 30)."],
    ["50 low requests", burst(50, (i) => event(i, "low")), false, null],
  ])("%s", (_label, history, quarantine, reason) => {
    const decision = evaluateBreaker(history, limits, now);
    expect(decision.quarantine).toBe(quarantine);
    if (reason) expect(decision.reason).toBe(reason);
    if (quarantine) expect(decision.requestIds.length).toBe(decision.count);
  });

  it("still trips on the main count first, and counts nothing medium without bursts", () => {
    const criticals = burst(5, (i) => event(i, "critical"));
    expect(evaluateBreaker(criticals, limits, now).reason).toBe("Quarantined: 5 critical or denied requests in the last 10 minutes (threshold 5).");
    expect(evaluateBreaker(burst(100, (i) => event(i, "medium")), DEFAULT_BREAKER_THRESHOLDS, now).quarantine).toBe(false);
  });

  it("says which requests it watches and how far back it looks", () => {
    expect(countsTowardBreaker({ risk: "medium", status: "pending" }, limits)).toBe(true);
    expect(countsTowardBreaker({ risk: "low", status: "pending" }, limits)).toBe(false);
    expect(countsTowardBreaker({ risk: "medium", status: "pending" }, DEFAULT_BREAKER_THRESHOLDS)).toBe(false);
    expect(breakerLookbackSeconds(limits)).toBe(600);
    expect(breakerLookbackSeconds({ ...limits, bursts: [{ minRisk: "medium", count: 100, windowSeconds: 3600 }] })).toBe(3600);
    expect(describeBreaker(limits)).toBe(
      "An agent that sends 5 critical or denied requests within 10 minutes, or 10 high-or-higher requests within 5 minutes, or 30 medium-or-higher requests within 1 minute, is quarantined until an admin lifts it.",
    );
  });

  it.each([
    ["a burst of one", { minRisk: "medium", count: 1, windowSeconds: 60 }],
    ["an unknown level", { minRisk: "moderate", count: 10, windowSeconds: 60 }],
    ["an unknown key", { minRisk: "medium", count: 10, windowSeconds: 60, statuses: [] }],
  ])("refuses %s", (_label, bad) => {
    expect(() => evaluateBreaker([], { ...DEFAULT_BREAKER_THRESHOLDS, bursts: [bad] } as never, now)).toThrow();
  });
});
