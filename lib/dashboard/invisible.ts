// Characters that change how text reads without being seen: bidirectional controls (Trojan Source),
// zero-width and other invisible characters, Unicode tags (ASCII smuggling), variation selectors,
// and C0/C1 control characters such as ANSI escape sequences. Reviewers must see them, so they are
// replaced by visible escapes like `\u202E` wherever agent-supplied text is shown.
// Pure and dependency-free: used on the server and in the browser.

const NAMES: Record<number, string> = {
  0x00: "NULL",
  0x07: "BELL",
  0x08: "BACKSPACE",
  0x0b: "LINE TABULATION",
  0x0c: "FORM FEED",
  0x0d: "CARRIAGE RETURN",
  0x1b: "ESCAPE (terminal control sequence)",
  0x7f: "DELETE",
  0x85: "NEXT LINE",
  0x9b: "CONTROL SEQUENCE INTRODUCER",
  0xad: "SOFT HYPHEN",
  0x034f: "COMBINING GRAPHEME JOINER",
  0x061c: "ARABIC LETTER MARK",
  0x115f: "HANGUL CHOSEONG FILLER",
  0x1160: "HANGUL JUNGSEONG FILLER",
  0x17b4: "KHMER VOWEL INHERENT AQ",
  0x17b5: "KHMER VOWEL INHERENT AA",
  0x180e: "MONGOLIAN VOWEL SEPARATOR",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x2028: "LINE SEPARATOR",
  0x2029: "PARAGRAPH SEPARATOR",
  0x202a: "LEFT-TO-RIGHT EMBEDDING",
  0x202b: "RIGHT-TO-LEFT EMBEDDING",
  0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE",
  0x202e: "RIGHT-TO-LEFT OVERRIDE",
  0x2060: "WORD JOINER",
  0x2061: "FUNCTION APPLICATION",
  0x2062: "INVISIBLE TIMES",
  0x2063: "INVISIBLE SEPARATOR",
  0x2064: "INVISIBLE PLUS",
  0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE",
  0x2069: "POP DIRECTIONAL ISOLATE",
  0x3164: "HANGUL FILLER",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE (BOM)",
  0xffa0: "HALFWIDTH HANGUL FILLER",
};

function inRanges(cp: number): boolean {
  return (
    (cp <= 0x1f && cp !== 0x09 && cp !== 0x0a) || // C0 controls; tab and line feed are layout
    (cp >= 0x7f && cp <= 0x9f) || // DEL and C1 controls
    cp === 0xad ||
    cp === 0x034f ||
    cp === 0x061c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    cp === 0x180e ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x3164 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0xfff9 && cp <= 0xfffb) || // interlinear annotations
    (cp >= 0xd800 && cp <= 0xdfff) || // lone surrogates
    (cp >= 0xe0000 && cp <= 0xe007f) || // tags: invisible ASCII look-alikes
    (cp >= 0xe0100 && cp <= 0xe01ef) // variation selectors supplement
  );
}

/** True for a code point that must be shown as an escape. */
export function isInvisible(cp: number): boolean {
  return inRanges(cp);
}

/** `\u202E` for the Basic Multilingual Plane, `\u{E0041}` beyond it. */
export function escapeCodePoint(cp: number): string {
  const hex = cp.toString(16).toUpperCase();
  return cp > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, "0")}`;
}

export function describeCodePoint(cp: number): string {
  const name = NAMES[cp];
  if (name) return name;
  if (cp >= 0xe0000 && cp <= 0xe007f) return "TAG CHARACTER (invisible)";
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return "VARIATION SELECTOR";
  if (cp < 0x20) return "CONTROL CHARACTER";
  if (cp >= 0x7f && cp <= 0x9f) return "C1 CONTROL CHARACTER";
  if (cp >= 0xd800 && cp <= 0xdfff) return "LONE SURROGATE";
  return "INVISIBLE CHARACTER";
}

export type TextSegment =
  | { kind: "text"; text: string }
  | { kind: "escape"; text: string; codePoint: number; label: string };

/**
 * Splits text into plain runs and visible escapes. A carriage return directly before a line feed
 * stays as a line break (CRLF); any other carriage return is escaped.
 */
export function splitInvisible(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    let cp = code;
    let width = 1;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    const keepCrlf = cp === 0x0d && text.charCodeAt(i + 1) === 0x0a;
    if (!keepCrlf && inRanges(cp)) {
      if (i > start) segments.push({ kind: "text", text: text.slice(start, i) });
      segments.push({ kind: "escape", text: escapeCodePoint(cp), codePoint: cp, label: `U+${cp.toString(16).toUpperCase().padStart(4, "0")} ${describeCodePoint(cp)}` });
      start = i + width;
    }
    i += width;
  }
  if (start < text.length) segments.push({ kind: "text", text: text.slice(start) });
  return segments;
}

/** The text with every invisible character replaced by its escape. */
export function escapeInvisible(text: string): string {
  return splitInvisible(text)
    .map((s) => s.text)
    .join("");
}

/** How many invisible characters the text holds (0 when none). */
export function countInvisible(text: string): number {
  let n = 0;
  for (const s of splitInvisible(text)) if (s.kind === "escape") n++;
  return n;
}

/** Counts invisible characters in every string inside a JSON-like value (keys included). */
export function countInvisibleDeep(value: unknown): number {
  if (typeof value === "string") return countInvisible(value);
  if (Array.isArray(value)) return value.reduce<number>((sum, v) => sum + countInvisibleDeep(v), 0);
  if (value && typeof value === "object") {
    let sum = 0;
    for (const [k, v] of Object.entries(value)) sum += countInvisible(k) + countInvisibleDeep(v);
    return sum;
  }
  return 0;
}
