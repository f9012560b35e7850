// The agent's words set against Countersign's measurement. An agent that writes "removes 3 stale
// rows" or "frees about 1.2 GB" makes a claim a reviewer tends to believe; where the measurement
// of the same statement says otherwise, the page says so beside it. Pure: text and figures in,
// sentences out.
import type { MeasuredEffect } from "../policy/measurement";

export interface ClaimMismatch {
  what: "rows" | "size";
  /** The agent's words, as written ("3 rows", "1.2 GB"). */
  claimed: string;
  /** Countersign's figure in the same unit family ("1,204 rows", "472 kB"). */
  measured: string;
  /** One sentence for the page. */
  sentence: string;
}

const SCALE: Record<string, number> = { k: 1e3, thousand: 1e3, m: 1e6, million: 1e6, b: 1e9, billion: 1e9 };
const BYTES: Record<string, number> = {
  b: 1, bytes: 1, byte: 1,
  kb: 1e3, kib: 1024,
  mb: 1e6, mib: 1024 ** 2,
  gb: 1e9, gib: 1024 ** 3,
  tb: 1e12, tib: 1024 ** 4,
};

const NUMBER = String.raw`(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)`;
// "3 rows", "1,204 rows", "12k rows", "2 million rows", "a single row" is left alone (no figure).
const ROWS = new RegExp(String.raw`(?<![\w.])${NUMBER}\s*(k|thousand|m|million|b|billion)?\s+(?:\w+\s+){0,2}?rows?\b`, "gi");
const SIZE = new RegExp(String.raw`(?<![\w.])${NUMBER}\s*(bytes?|[kmgt]i?b)\b`, "gi");

function toNumber(digits: string): number {
  return Number(digits.replace(/,/g, ""));
}

/** Rows the batch changes in all, cascades included; null when any could not be counted. */
export function measuredRows(measured: MeasuredEffect): number | null {
  let sum = 0;
  for (const table of measured.tables) {
    if (table.rows === null) return null;
    sum += table.rows;
  }
  return sum;
}

/** Bytes the batch changes: each table's size times the share of its rows changed. */
export function measuredBytes(measured: MeasuredEffect): number | null {
  let sum = 0;
  for (const table of measured.tables) {
    if (table.sizeBytes === null) return null;
    if (table.action === "drop" || table.action === "truncate") sum += table.sizeBytes;
    else if (table.rows === null || !table.totalRows) return null;
    else sum += table.sizeBytes * Math.min(1, table.rows / table.totalRows);
  }
  return sum;
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} bytes`;
  return `${value >= 100 ? Math.round(value) : Number(value.toPrecision(2))} ${units[unit]}`;
}

function formatRows(rows: number): string {
  return `${rows.toLocaleString("en")} row${rows === 1 ? "" : "s"}`;
}

/** Off by more than this factor (either way) counts as a different figure, not rounding. */
const TOLERANCE = 1.5;

function differs(claimed: number, measured: number): boolean {
  if (claimed === measured) return false;
  if (claimed === 0 || measured === 0) return true;
  return Math.max(claimed, measured) / Math.min(claimed, measured) > TOLERANCE;
}

/**
 * The figures the agent wrote in its summary and reasoning that Countersign's measurement
 * contradicts. Only the first row figure and the first size figure are compared: an agent's
 * text that names several is a story, and the page shows the measurement anyway.
 */
export function compareClaims(texts: Array<string | null | undefined>, measured: MeasuredEffect | null | undefined): ClaimMismatch[] {
  if (!measured || measured.tables.length === 0) return [];
  const text = texts.filter((t): t is string => typeof t === "string").join("\n").slice(0, 20_000);
  const mismatches: ClaimMismatch[] = [];

  const rows = measuredRows(measured);
  const rowClaim = [...text.matchAll(ROWS)][0];
  if (rowClaim && rows !== null) {
    const claimed = toNumber(rowClaim[1]) * (rowClaim[2] ? SCALE[rowClaim[2].toLowerCase()] : 1);
    if (Number.isFinite(claimed) && differs(claimed, rows)) {
      const words = rowClaim[0].trim();
      mismatches.push({ what: "rows", claimed: words, measured: formatRows(rows), sentence: `The agent says ${words}; Countersign measured ${formatRows(rows)}.` });
    }
  }

  const bytes = measuredBytes(measured);
  const sizeClaim = [...text.matchAll(SIZE)][0];
  if (sizeClaim && bytes !== null) {
    const claimed = toNumber(sizeClaim[1]) * BYTES[sizeClaim[2].toLowerCase()];
    if (Number.isFinite(claimed) && differs(claimed, bytes)) {
      const words = sizeClaim[0].trim();
      mismatches.push({ what: "size", claimed: words, measured: formatBytes(bytes), sentence: `The agent says ${words}; Countersign measured ${formatBytes(bytes)}.` });
    }
  }
  return mismatches;
}
