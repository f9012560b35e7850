import { describe, expect, it } from "vitest";
import type { RiskLevel } from "../risk/levels";
import { DEFAULT_BREAKER_THRESHOLDS as DEFAULTS, evaluateBreaker, type BreakerEvent } from "./breaker";

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
