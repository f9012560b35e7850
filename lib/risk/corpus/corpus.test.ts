// Runs the labelled corpus through assessRisk: every destructive case must be caught at exactly
// its labelled level with its labelled findings (100% recall; a critical case that drops to high
// fails), and harmless look-alikes must rarely be flagged above their label.
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
    ? risk.level === entry.level && entry.findings.every((id) => risk.findings.some((f) => f.id === id))
    : compareRisk(risk.level, entry.level) <= 0;
  return { entry, risk, ok };
}

const pct = (n: number, d: number) => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}%`);
const describeMiss = (o: Outcome) =>
  `${o.entry.id} ${o.entry.destructive ? `want ${o.entry.level} + ${o.entry.findings.join(" + ")}` : `want ≤${o.entry.level}`}, got ${o.risk.level} [${o.risk.findings.map((f) => f.id).join(", ")}]: ${o.entry.shown}`;

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

  it("pins every destructive case to a finding, and every backup or snapshot deletion to the backup class", () => {
    const destructive = corpus.filter((c) => c.destructive);
    expect(destructive.filter((c) => c.findings.length === 0).map((c) => c.id)).toEqual([]);
    // Every case that names backups, snapshots or WAL archiving — except local files (rm, shred) and
    // APIs Countersign does not know (example.com), where the word alone proves nothing.
    const backupish = destructive.filter(
      (c) => /snapshot|backup|recovery-point|archive_(mode|command|library)/i.test(c.shown) && !/^(rm|shred)\b|example\.com/.test(c.shown),
    );
    expect(backupish.length).toBeGreaterThan(20);
    expect(backupish.filter((c) => !c.findings.some((id) => id.startsWith("backup."))).map((c) => c.shown)).toEqual([]);
  });

  it("gives every destructive operation exactly its labelled level and findings (100% recall)", () => {
    const missed = outcomes.filter((o) => o.entry.destructive && !o.ok).map(describeMiss);
    expect(missed).toEqual([]);
  });

  it(`keeps the false-positive rate on harmless look-alikes at or below ${MAX_FALSE_POSITIVE_RATE * 100}%`, () => {
    const good = outcomes.filter((o) => !o.entry.destructive);
    const flagged = good.filter((o) => !o.ok);
    expect(flagged.length / good.length, flagged.map(describeMiss).join("\n")).toBeLessThanOrEqual(MAX_FALSE_POSITIVE_RATE);
  });
});
