// Runs the labelled corpus through assessRisk: every destructive case must be caught (100%
// recall), and harmless look-alikes must rarely be flagged above their label.
import { beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../../operations/schema";
import { assessRisk, compareRisk, loadRiskEngine, type RiskAssessment } from "../index";
import { CORPUS_KINDS, loadCorpus, type CorpusCase } from "./corpus";

/** Measured 0.3% (1 of 308) on 2026-12-04: an OPTIONS call, high by design since only GET and HEAD are reads; 1% leaves room for two more flagged look-alikes before this fails. */
const MAX_FALSE_POSITIVE_RATE = 0.01;

interface Outcome {
  entry: CorpusCase;
  risk: RiskAssessment;
  ok: boolean;
}

function judge(entry: CorpusCase): Outcome {
  const risk = assessRisk(entry.operation);
  const ok = entry.destructive
    ? compareRisk(risk.level, entry.level) >= 0 && (entry.finding === undefined || risk.findings.some((f) => f.id === entry.finding))
    : compareRisk(risk.level, entry.level) <= 0;
  return { entry, risk, ok };
}

const pct = (n: number, d: number) => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}%`);
const describeMiss = (o: Outcome) =>
  `${o.entry.id} ${o.entry.destructive ? `want ≥${o.entry.level}${o.entry.finding ? ` + ${o.entry.finding}` : ""}` : `want ≤${o.entry.level}`}, got ${o.risk.level} [${o.risk.findings.map((f) => f.id).join(", ")}]: ${o.entry.shown}`;

describe("labelled risk corpus", () => {
  const corpus = loadCorpus();
  let outcomes: Outcome[] = [];

  beforeAll(async () => {
    await loadRiskEngine();
    outcomes = corpus.map(judge);
    const parts = CORPUS_KINDS.map((kind) => {
      const mine = outcomes.filter((o) => o.entry.kind === kind);
      const bad = mine.filter((o) => o.entry.destructive);
      const good = mine.filter((o) => !o.entry.destructive);
      return `${kind}: ${mine.length} (recall ${pct(bad.filter((o) => o.ok).length, bad.length)} of ${bad.length}, FP ${pct(good.filter((o) => !o.ok).length, good.length)} of ${good.length})`;
    });
    const bad = outcomes.filter((o) => o.entry.destructive);
    const good = outcomes.filter((o) => !o.entry.destructive);
    console.log(
      `risk corpus: ${outcomes.length} operations, ${bad.length} destructive, ${good.length} harmless; ` +
        `recall ${pct(bad.filter((o) => o.ok).length, bad.length)}, false positives ${pct(good.filter((o) => !o.ok).length, good.length)} — ${parts.join("; ")}`,
    );
    const misses = outcomes.filter((o) => !o.ok);
    if (misses.length) console.log(`corpus misses:\n  ${misses.map(describeMiss).join("\n  ")}`);
  });

  it("has at least 300 valid operations across every kind", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    for (const kind of CORPUS_KINDS) {
      expect(corpus.filter((c) => c.kind === kind && c.destructive).length, kind).toBeGreaterThan(0);
      expect(corpus.filter((c) => c.kind === kind && !c.destructive).length, kind).toBeGreaterThan(0);
    }
    for (const entry of corpus) expect(Operation.safeParse(entry.operation).success, entry.id).toBe(true);
  });

  it("catches every destructive operation (100% recall)", () => {
    const missed = outcomes.filter((o) => o.entry.destructive && !o.ok).map(describeMiss);
    expect(missed).toEqual([]);
  });

  it(`keeps the false-positive rate on harmless look-alikes at or below ${MAX_FALSE_POSITIVE_RATE * 100}%`, () => {
    const good = outcomes.filter((o) => !o.entry.destructive);
    const flagged = good.filter((o) => !o.ok);
    expect(flagged.length / good.length, flagged.map(describeMiss).join("\n")).toBeLessThanOrEqual(MAX_FALSE_POSITIVE_RATE);
  });
});
