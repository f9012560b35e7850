// The parser never finishes loading here, so every classification must refuse clearly.
import { describe, expect, it, vi } from "vitest";

vi.mock("libpg-query", () => ({
  loadModule: () => new Promise<void>(() => {}),
  parseSync: () => {
    throw new Error("WASM module not initialized");
  },
  parsePlPgSQLSync: () => {
    throw new Error("WASM module not initialized");
  },
  scanSync: () => {
    throw new Error("WASM module not initialized");
  },
}));

const { assessRisk, assessSql, isRiskEngineLoaded, RiskEngineNotLoadedError } = await import("./index");

describe("before loadRiskEngine() completes", () => {
  const target = { environment: "staging", resource: "db" };

  it("reports not loaded", () => {
    expect(isRiskEngineLoaded()).toBe(false);
  });

  it.each([
    [{ kind: "sql" as const, target, sql: "SELECT 1" }],
    [{ kind: "http" as const, target, method: "GET", url: "https://example.com/" }],
    [{ kind: "shell" as const, target, command: "ls" }],
    [{ kind: "custom" as const, target, action: "x" }],
  ])("assessRisk(%j) throws a clear error", (operation) => {
    expect(() => assessRisk(operation)).toThrow(RiskEngineNotLoadedError);
    expect(() => assessRisk(operation)).toThrow(/await loadRiskEngine\(\)/);
  });

  it("assessSql throws instead of guessing", () => {
    expect(() => assessSql("DROP TABLE x")).toThrow(RiskEngineNotLoadedError);
  });
});
