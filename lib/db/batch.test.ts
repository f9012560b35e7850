import { describe, expect, it } from "vitest";
import { createBatcher } from "./batch";

describe("createBatcher", () => {
  it("answers every caller of one turn from one load, duplicates included", async () => {
    const loads: string[][] = [];
    const batcher = createBatcher<string, number>(async (keys) => {
      loads.push(keys);
      return new Map(keys.filter((k) => k !== "missing").map((k) => [k, k.length]));
    });
    const answers = await Promise.all(["a", "bb", "a", "missing"].map((k) => batcher.load(k)));
    expect(answers).toEqual([1, 2, 1, undefined]);
    expect(loads).toEqual([["a", "bb", "missing"]]);
    // A later turn is a new load.
    expect(await batcher.load("ccc")).toBe(3);
    expect(loads).toEqual([["a", "bb", "missing"], ["ccc"]]);
  });

  it("sends a full batch at once and the rest in the next, each exactly once", async () => {
    const loads: number[][] = [];
    const batcher = createBatcher<number, number>(async (keys) => {
      loads.push(keys);
      return new Map(keys.map((k) => [k, k * 10]));
    }, { maxBatch: 3 });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((k) => batcher.load(k)));
    expect(answers).toEqual([10, 20, 30, 40, 50]);
    expect(loads).toEqual([[1, 2, 3], [4, 5]]);
  });

  it("rejects every caller of a failed load, and the next turn loads again", async () => {
    let fail = true;
    const batcher = createBatcher<string, string>(async (keys) => {
      if (fail) throw new Error("database down");
      return new Map(keys.map((k) => [k, k]));
    });
    const results = await Promise.allSettled([batcher.load("x"), batcher.load("y")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await batcher.load("x")).toBe("x");
  });

  it("gathers callers of later turns into one batch while the loads allowed at once are in flight", async () => {
    const loads: string[][] = [];
    const releases: Array<() => void> = [];
    const batcher = createBatcher<string, string>(
      (keys) => {
        loads.push(keys);
        return new Promise((resolve) => releases.push(() => resolve(new Map(keys.map((k) => [k, k.toUpperCase()])))));
      },
      { maxBatch: 500, maxInFlight: 1 },
    );
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const first = batcher.load("a");
    await nextTurn();
    expect(loads).toEqual([["a"]]);
    // Three more turns, one caller each, while "a" is loading: none is sent on its own.
    const later: Array<Promise<string | undefined>> = [];
    for (const key of ["b", "c", "d"]) {
      later.push(batcher.load(key));
      await nextTurn();
    }
    expect(loads).toEqual([["a"]]);
    releases[0]();
    expect(await first).toBe("A");
    await nextTurn();
    expect(loads).toEqual([["a"], ["b", "c", "d"]]);
    releases[1]();
    expect(await Promise.all(later)).toEqual(["B", "C", "D"]);
  });

  it("with gatherMs, holds callers that arrived during a load for more company, and still sends a lone caller at once", async () => {
    const loads: Array<{ keys: string[]; at: number }> = [];
    const releases: Array<() => void> = [];
    const started = performance.now();
    const batcher = createBatcher<string, string>(
      (keys) => {
        loads.push({ keys, at: performance.now() - started });
        return new Promise((resolve) => releases.push(() => resolve(new Map(keys.map((k) => [k, k.toUpperCase()])))));
      },
      { gatherMs: 50 },
    );
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    // Alone: sent in the next turn, no waiting.
    const lone = batcher.load("a");
    await nextTurn();
    expect(loads.map((l) => l.keys)).toEqual([["a"]]);
    // "b" arrives while "a" loads; when "a" is done, "b" waits for company and "c" joins it.
    const b = batcher.load("b");
    releases[0]();
    expect(await lone).toBe("A");
    await nextTurn();
    expect(loads).toHaveLength(1);
    const c = batcher.load("c");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(loads.map((l) => l.keys)).toEqual([["a"], ["b", "c"]]);
    expect(loads[1].at - loads[0].at).toBeGreaterThanOrEqual(45);
    releases[1]();
    expect(await Promise.all([b, c])).toEqual(["B", "C"]);
    // Nothing arrived during that load: the next lone caller goes at once again.
    const d = batcher.load("d");
    await nextTurn();
    expect(loads.map((l) => l.keys)).toEqual([["a"], ["b", "c"], ["d"]]);
    releases[2]();
    expect(await d).toBe("D");
  });
});
