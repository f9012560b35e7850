import { beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../operations/schema";
import { loadRiskEngine } from "../risk";
import { DEFAULT_POLICY_RULES } from "./defaults";
import { DEFAULT_MEASUREMENT_POLICY, describeLimit, effectLimits, measuredFindings, type MeasuredEffect, type MeasuredTable } from "./measurement";
import { formatSimulation, simulatePolicy } from "./simulate";

beforeAll(async () => {
  await loadRiskEngine();
});

const table = (over: Partial<MeasuredTable>): MeasuredTable => ({
  table: "public.orders",
  action: "delete",
  rows: 10,
  totalRows: 40_000,
  sizeBytes: 4 * 1024 * 1024,
  via: null,
  statement: 1,
  ...over,
});
const effect = (...tables: MeasuredTable[]): MeasuredEffect => ({ tables, fingerprints: {}, incomplete: false });
const levels = (e: MeasuredEffect, policy = DEFAULT_MEASUREMENT_POLICY) => measuredFindings(e, policy).map((f) => `${f.id}:${f.level}`);

describe("the measurement's risk floor", () => {
  it.each([
    ["a few rows of a large table", table({ rows: 10 }), []],
    ["every row of a table, however small", table({ rows: 3, totalRows: 3 }), ["measured.every_row:critical"]],
    ["half of a large table", table({ rows: 20_000 }), ["measured.large_share:critical", "measured.many_rows:high"]],
    ["a tenth of a large table", table({ rows: 4_000 }), ["measured.large_share:high", "measured.many_rows:high"]],
    ["a large share of a small table (below minTableRows)", table({ rows: 60, totalRows: 100 }), []],
    ["many rows of a huge table", table({ rows: 150_000, totalRows: 10_000_000 }), ["measured.many_rows:critical"]],
    ["a gigabyte of a table", table({ rows: 500, totalRows: 50_000, sizeBytes: 200 * 1024 ** 3 }), ["measured.large_size:critical"]],
    ["no rows at all", table({ rows: 0 }), []],
    ["an uncounted delete", table({ rows: null }), []],
  ])("%s", (_label, t, expected) => {
    expect(levels(effect(t))).toEqual(expected);
  });

  it("counts rows that cascades take with the statement's own, and says so", () => {
    const findings = measuredFindings(
      effect(table({ rows: 400 }), table({ table: "public.order_items", rows: 900, totalRows: 200_000, via: "ON DELETE CASCADE from public.orders" })),
    );
    expect(findings).toEqual([{ id: "measured.many_rows", level: "high", message: "Measured by Countersign: changes 1,300 rows in all, 900 of them through foreign keys" }]);
  });

  it("follows the policy's thresholds", () => {
    const strict = { ...DEFAULT_MEASUREMENT_POLICY, high: { share: 0.1, rows: 5, bytes: 100 * 1024 ** 2 } };
    expect(levels(effect(table({ rows: 10 })), strict)).toEqual(["measured.many_rows:high"]);
  });
});

describe("the limits an approval carries to execution", () => {
  it("sums the rows each table loses across statements and cascades, plus the tolerance", () => {
    const measured = effect(
      table({ rows: 13_333 }),
      table({ table: "public.order_items", rows: 90_112, via: "ON DELETE CASCADE from public.orders" }),
      table({ table: "public.order_items", rows: 8, statement: 2 }),
      table({ table: "public.notes", action: "update", rows: 4, via: "ON DELETE SET NULL from public.orders" }),
      table({ table: "public.archive", action: "truncate", rows: 5 }),
    );
    expect(effectLimits(measured)).toEqual([
      { table: "public.notes", action: "update", measured: 4, max: 4 },
      { table: "public.order_items", action: "delete", measured: 90_120, max: 90_120 },
      { table: "public.orders", action: "delete", measured: 13_333, max: 13_333 },
    ]);
    expect(effectLimits(measured, { rows: 10, share: 0.01 }).map((l) => l.max)).toEqual([14, 91_021, 13_466]);
    expect(describeLimit(effectLimits(measured)[2])).toBe("Will not run if it would delete more than 13,333 rows in `public.orders`.");
  });

  it("sets no limit on a table whose rows were not all counted", () => {
    expect(effectLimits(effect(table({ rows: 5 }), table({ rows: null, statement: 2 })))).toEqual([]);
  });
});

describe("the simulator", () => {
  const op = Operation.parse({ kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DELETE FROM orders WHERE id > 0" });

  it("shows the parse alone for a pasted operation, and the thresholds", () => {
    const result = simulatePolicy({ operation: op, tier: "production", rules: DEFAULT_POLICY_RULES, version: 4 });
    expect(result.risk.level).toBe("medium");
    expect(result.measured).toBe(false);
    expect(formatSimulation(result)).toContain("Measurement: A measured write that reaches every row of a table is critical");
  });

  it("applies a replayed request's measurement as the risk floor", () => {
    const result = simulatePolicy({ operation: op, tier: "production", rules: DEFAULT_POLICY_RULES, version: 4, measured: effect(table({ rows: 40_000 })) });
    expect(result.risk.level).toBe("critical");
    expect(result.effect).toEqual({ type: "require_approval", approvals: 2, passkey: true });
    expect(result.passkeyRequired).toBe(true);
    expect(result.risk.findings.map((f) => f.id)).toContain("measured.every_row");
  });
});
