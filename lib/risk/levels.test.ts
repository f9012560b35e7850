import { describe, expect, it } from "vitest";
import { compareRisk, maxRisk, quoteName, RISK_LEVELS, toAssessment } from "./levels";

describe("risk levels", () => {
  it("are ordered from low to critical", () => {
    expect(RISK_LEVELS).toEqual(["low", "medium", "high", "critical"]);
    expect(Object.isFrozen(RISK_LEVELS)).toBe(true);
  });

  it.each([
    ["low", "critical", -1],
    ["critical", "low", 1],
    ["high", "high", 0],
    ["medium", "high", -1],
  ] as const)("compareRisk(%s, %s) has the sign of %d", (a, b, sign) => {
    expect(Math.sign(compareRisk(a, b))).toBe(sign);
  });

  it("sorts with compareRisk", () => {
    expect(["critical", "low", "high", "medium"].sort((a, b) => compareRisk(a as never, b as never))).toEqual(RISK_LEVELS);
  });

  it("takes the worst level, low for none", () => {
    expect(maxRisk()).toBe("low");
    expect(maxRisk("medium", "critical", "high")).toBe("critical");
  });
});

describe("toAssessment", () => {
  it("takes its level from the findings and merges duplicates", () => {
    const assessment = toAssessment(
      [
        { id: "a", level: "medium", message: "m" },
        { id: "a", level: "medium", message: "m" },
        { id: "b", level: "high", message: "n" },
      ],
      ["public.t", "public.t"],
    );
    expect(assessment).toEqual({
      level: "high",
      findings: [
        { id: "a", level: "medium", message: "m" },
        { id: "b", level: "high", message: "n" },
      ],
      targets: ["public.t"],
    });
  });
});

describe("quoteName", () => {
  it.each([
    ["public.customers", "`public.customers`"],
    ["a`b", "`a\\u0060b`"],
    ["line\nbreak", "`line\\u000abreak`"],
    ["rtl\u202eoverride", "`rtl\\u202eoverride`"],
    ["zero\u200bwidth", "`zero\\u200bwidth`"],
    ["public.\u043erders", "`public.\\u043Erders`"],
    ["public.\u0421\u0435\u0440\u0433\u0435\u0439", "`public.\u0421\u0435\u0440\u0433\u0435\u0439`"],
  ])("%j → %s", (name, quoted) => {
    expect(quoteName(name)).toBe(quoted);
  });

  it("truncates very long names", () => {
    expect(quoteName("x".repeat(500))).toBe(`\`${"x".repeat(200)}…\``);
  });
});
