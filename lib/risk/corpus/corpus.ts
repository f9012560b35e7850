// Loads the labelled corpus (sql.json, shell.json, http.json, graphql.json) as operations with
// their expected risk, for the recall / false-positive test and anyone measuring the classifier.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Operation } from "../../operations/schema";
import type { RiskLevel } from "../levels";

export type CorpusKind = "sql" | "shell" | "http" | "graphql";
export const CORPUS_KINDS: readonly CorpusKind[] = ["sql", "shell", "http", "graphql"];

interface RawCase {
  sql?: string;
  command?: string;
  method?: string;
  url?: string;
  body?: unknown;
  /** Destructive: the assessment must be exactly this level (a drop from critical to high is a regression). */
  level?: RiskLevel;
  /** Harmless look-alike: the assessment must stay at or below this level. */
  max?: RiskLevel;
  /** Destructive (required): this finding id, or each of these, must be among the findings. */
  finding?: string | string[];
  /** Why the label is what it is, when that is not obvious. */
  note?: string;
}

export interface CorpusCase {
  /** `<kind>#<index>`, stable while the file is only appended to. */
  id: string;
  kind: CorpusKind;
  operation: Operation;
  destructive: boolean;
  /** Exactly this level for destructive cases; at most this level for harmless ones. */
  level: RiskLevel;
  /** Finding ids a destructive case must report (at least one); empty for harmless ones. */
  findings: string[];
  /** The operation's text, for reports. */
  shown: string;
}

const target = { environment: "production", resource: "corpus" };

export function loadCorpus(dir: string = import.meta.dirname): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const kind of CORPUS_KINDS) {
    const file = JSON.parse(readFileSync(path.join(dir, `${kind}.json`), "utf8")) as { defaultUrl?: string; cases: RawCase[] };
    file.cases.forEach((raw, index) => {
      const id = `${kind}#${index}`;
      if ((raw.level === undefined) === (raw.max === undefined)) throw new Error(`${id}: give exactly one of level (destructive) or max (harmless)`);
      const findings = raw.finding === undefined ? [] : [raw.finding].flat();
      if (raw.level !== undefined && findings.length === 0) throw new Error(`${id}: a destructive case names the finding it expects`);
      if (raw.max !== undefined && findings.length > 0) throw new Error(`${id}: a harmless case names no finding`);
      let operation: Operation;
      let shown: string;
      if (kind === "sql") {
        operation = { kind: "sql", target, sql: raw.sql! };
        shown = raw.sql!;
      } else if (kind === "shell") {
        operation = { kind: "shell", target, command: raw.command! };
        shown = raw.command!;
      } else {
        const method = raw.method ?? "POST";
        const url = raw.url ?? file.defaultUrl!;
        operation = { kind: "http", target, method, url, ...(raw.body === undefined ? {} : { body: raw.body }) };
        shown = `${method} ${url}${raw.body === undefined ? "" : ` ${JSON.stringify(raw.body)}`}`;
      }
      cases.push({ id, kind, operation, destructive: raw.level !== undefined, level: (raw.level ?? raw.max)!, findings, shown });
    });
  }
  return cases;
}
