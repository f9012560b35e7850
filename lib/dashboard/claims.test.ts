import { describe, expect, it } from "vitest";
import type { MeasuredEffect, MeasuredTable } from "../policy/measurement";
import { compareClaims, formatBytes } from "./claims";

function effect(...tables: Array<Partial<MeasuredTable>>): MeasuredEffect {
  return {
    tables: tables.map((t, i) => ({ table: `public.t${i}`, action: "delete", rows: 0, totalRows: 1000, sizeBytes: 1_000_000, via: null, statement: 1, ...t })),
    fingerprints: {},
    incomplete: false,
  };
}

describe("compareClaims", () => {
  it("sets the agent's row count against the measured one", () => {
    const found = compareClaims(["Remove 3 stale rows from orders"], effect({ rows: 1204, totalRows: 5000 }));
    expect(found).toEqual([{ what: "rows", claimed: "3 stale rows", measured: "1,204 rows", sentence: "The agent says 3 stale rows; Countersign measured 1,204 rows." }]);
  });

  it("sets the agent's size against the measured share of the table", () => {
    // 1,000 of 4,000 rows of a 1.888 MB table: about 472 kB.
    const found = compareClaims([null, "This frees about 1.2 GB of disk."], effect({ rows: 1000, totalRows: 4000, sizeBytes: 1_888_000 }));
    expect(found.map((m) => m.sentence)).toEqual(["The agent says 1.2 GB; Countersign measured 472 kB."]);
  });

  it("counts cascaded rows and whole dropped tables", () => {
    const found = compareClaims(["drops 2 rows and 10 kB"], effect({ rows: 2, totalRows: 2, sizeBytes: 8192 }, { action: "drop", rows: 50, totalRows: 50, sizeBytes: 4_000_000, via: "ON DELETE CASCADE" }));
    expect(found.map((m) => m.what)).toEqual(["rows", "size"]);
    expect(found[0].measured).toBe("52 rows");
    expect(found[1].measured).toBe("4 MB");
  });

  it("understands thousands separators, k and million", () => {
    expect(compareClaims(["1,204 rows"], effect({ rows: 1204 }))).toEqual([]);
    expect(compareClaims(["about 12k rows"], effect({ rows: 12_400, totalRows: 20_000 }))).toEqual([]);
    expect(compareClaims(["2 million rows"], effect({ rows: 2_000_000, totalRows: 3_000_000 }))).toEqual([]);
    expect(compareClaims(["about 12k rows"], effect({ rows: 40 }))[0].sentence).toBe("The agent says 12k rows; Countersign measured 40 rows.");
  });

  it("lets rounding pass and says nothing when there is no figure or no measurement", () => {
    expect(compareClaims(["roughly 1,000 rows"], effect({ rows: 1100 }))).toEqual([]);
    expect(compareClaims(["deletes the stale rows"], effect({ rows: 1100 }))).toEqual([]);
    expect(compareClaims(["deletes 3 rows"], null)).toEqual([]);
    expect(compareClaims(["deletes 3 rows"], effect({ rows: null }))).toEqual([]);
    // A figure that is not about rows or bytes is no claim about them.
    expect(compareClaims(["since 12 March, 2 views read it"], effect({ rows: 1100 }))).toEqual([]);
  });

  it("a claim of nothing against a measured change is a difference", () => {
    expect(compareClaims(["touches 0 rows"], effect({ rows: 5 }))[0].sentence).toBe("The agent says 0 rows; Countersign measured 5 rows.");
  });
});

describe("formatBytes", () => {
  it("reads like the page's other sizes", () => {
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(472_000)).toBe("472 kB");
    expect(formatBytes(1_250_000_000)).toBe("1.3 GB");
  });
});
