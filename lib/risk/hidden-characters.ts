// Characters that change how an operation reads without being seen: bidirectional controls
// (Trojan Source: text displayed in another order than it runs), invisible characters
// (zero-width, word joiner, byte-order mark, Hangul fillers, Unicode tags that smuggle ASCII,
// control characters), and look-alike letters from another script inside a Latin word (a
// Cyrillic `о` in `DELETE FROM оrders` names another table than the one a reviewer reads).
// Inside an operation, what a reviewer reads can differ from what runs, so any of them is
// critical, and approving it takes the typed confirmation whatever the rest of its risk.
import type { Operation } from "../operations/schema";
import type { Finding } from "./levels";

const NAMES: Record<number, string> = {
  0x001b: "ESCAPE",
  0x00ad: "SOFT HYPHEN",
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
  0x3164: "HANGUL FILLER",
  0xffa0: "HALFWIDTH HANGUL FILLER",
  0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE",
  0x2069: "POP DIRECTIONAL ISOLATE",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE",
};

// Control characters other than tab and line feed (a carriage return only when it does not end a
// CRLF line), and variation selectors other than the emoji and text presentation ones.
const HIDDEN =
  /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0d\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]|\r(?!\n)/gu;

// Where these characters are part of what is shown, not hidden in it: a zero-width joiner inside
// an emoji sequence (👩‍💻), and the tag characters of a subdivision flag (🏴 + tags + cancel tag).
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}[\u{1f3fb}-\u{1f3ff}\ufe0f]?)\u200d(?=\p{Extended_Pictographic})/gu;
const FLAG_TAGS = /(?<=\u{1f3f4})[\u{e0020}-\u{e007e}]+\u{e007f}/gu;

/** The hidden characters of a text, in order (code points), leaving emoji sequences alone. */
export function hiddenCodePoints(text: string): number[] {
  const stripped = text.replace(EMOJI_JOINER, "").replace(FLAG_TAGS, "");
  return [...stripped.matchAll(HIDDEN)].map((match) => match[0].codePointAt(0)!);
}

/** Hidden characters in every string of a JSON-like value, object keys included. */
function hiddenDeep(value: unknown, found: number[], depth = 0): void {
  const collect = (text: string) => {
    for (const codePoint of hiddenCodePoints(text)) found.push(codePoint);
  };
  if (typeof value === "string") collect(value);
  else if (depth > MAX_DEPTH) return;
  else if (Array.isArray(value)) for (const item of value) hiddenDeep(item, found, depth + 1);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      collect(key);
      hiddenDeep(item, found, depth + 1);
    }
  }
}

/** JSON nested deeper than this is not searched further (a body is parsed JSON, so it is finite). */
const MAX_DEPTH = 64;

/** `U+202E RIGHT-TO-LEFT OVERRIDE`. */
function describe(codePoint: number): string {
  const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
  const name =
    NAMES[codePoint] ??
    (codePoint >= 0xe0100 || (codePoint >= 0xfe00 && codePoint <= 0xfe0f)
      ? "VARIATION SELECTOR"
      : codePoint >= 0xe0000
        ? "TAG CHARACTER"
        : codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f)
          ? codePoint === 0x0d
            ? "CARRIAGE RETURN"
            : "CONTROL CHARACTER"
          : "INVISIBLE CHARACTER");
  return `U+${hex} ${name}`;
}

/** The parts of an operation that run, as a reviewer reads them (the target is validated apart). */
function partsOf(operation: Operation): [where: string, value: unknown][] {
  switch (operation.kind) {
    case "sql":
      return [["the SQL", operation.sql]];
    case "shell":
      return [["the command", operation.command], ["the working directory", operation.cwd]];
    case "http":
      return [["the method", operation.method], ["the URL", operation.url], ["the body", operation.body]];
    case "custom":
      return [["the action name", operation.action], ["the parameters", operation.params]];
    case "mcp":
      return [["the tool name", operation.tool], ["the arguments", operation.arguments]];
  }
}

/** `operation.hidden_characters` (critical) for each part of the operation that holds any. */
export function hiddenCharacterFindings(operation: Operation): Finding[] {
  const findings: Finding[] = [];
  for (const [where, value] of partsOf(operation)) {
    const found: number[] = [];
    hiddenDeep(value, found);
    if (found.length === 0) continue;
    const kinds = [...new Set(found)].slice(0, 5).map(describe).join(", ");
    const count = found.length === 1 ? "a hidden character" : `${found.length} hidden characters`;
    findings.push({
      id: "operation.hidden_characters",
      level: "critical",
      message: `${capitalise(where)} holds ${count} (${kinds}${new Set(found).size > 5 ? ", …" : ""}): what a reviewer reads can differ from what runs`,
    });
  }
  for (const [where, value] of partsOf(operation)) {
    const words: LookalikeWord[] = [];
    lookalikesDeep(value, words);
    if (words.length === 0) continue;
    const shown = [...new Map(words.map((w) => [w.escaped, w])).values()];
    const letters = [...new Set(shown.flatMap((w) => w.letters))].slice(0, 5).map(describeLookalike).join(", ");
    const names = shown.slice(0, 3).map((w) => `\`${w.escaped}\``).join(", ") + (shown.length > 3 ? ", …" : "");
    findings.push({
      id: "operation.lookalike_characters",
      level: "critical",
      message: `${capitalise(where)} mixes look-alike letters from another script into Latin words (${names}: ${letters}): it can name something other than what a reviewer reads`,
    });
  }
  return findings;
}

/** The findings that make approving take the typed confirmation, whatever the request's level. */
export const TYPED_CONFIRMATION_FINDINGS: readonly string[] = ["operation.hidden_characters", "operation.lookalike_characters"];

/**
 * Whether approving needs the resource name typed: every critical request, and every request whose
 * operation holds hidden or look-alike characters (even if its stored level were lower).
 */
export function requiresTypedConfirmation(level: string, findings: unknown): boolean {
  if (level === "critical") return true;
  return Array.isArray(findings) && findings.some((f) => !!f && typeof f === "object" && TYPED_CONFIRMATION_FINDINGS.includes((f as { id?: unknown }).id as string));
}

function capitalise(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

// Letters of other scripts drawn like Latin ones (after Unicode's confusables list): Cyrillic,
// Greek and Armenian. Only these count, so a Greek `μ` in `10μs` or Russian text is left alone.
const LOOKALIKES: Record<number, [name: string, latin: string]> = {
  0x0430: ["CYRILLIC SMALL LETTER A", "a"],
  0x0435: ["CYRILLIC SMALL LETTER IE", "e"],
  0x043e: ["CYRILLIC SMALL LETTER O", "o"],
  0x0440: ["CYRILLIC SMALL LETTER ER", "p"],
  0x0441: ["CYRILLIC SMALL LETTER ES", "c"],
  0x0443: ["CYRILLIC SMALL LETTER U", "y"],
  0x0445: ["CYRILLIC SMALL LETTER HA", "x"],
  0x0455: ["CYRILLIC SMALL LETTER DZE", "s"],
  0x0456: ["CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I", "i"],
  0x0458: ["CYRILLIC SMALL LETTER JE", "j"],
  0x04bb: ["CYRILLIC SMALL LETTER SHHA", "h"],
  0x04cf: ["CYRILLIC SMALL LETTER PALOCHKA", "l"],
  0x0501: ["CYRILLIC SMALL LETTER KOMI DE", "d"],
  0x051b: ["CYRILLIC SMALL LETTER QA", "q"],
  0x051d: ["CYRILLIC SMALL LETTER WE", "w"],
  0x0410: ["CYRILLIC CAPITAL LETTER A", "A"],
  0x0412: ["CYRILLIC CAPITAL LETTER VE", "B"],
  0x0415: ["CYRILLIC CAPITAL LETTER IE", "E"],
  0x041a: ["CYRILLIC CAPITAL LETTER KA", "K"],
  0x041c: ["CYRILLIC CAPITAL LETTER EM", "M"],
  0x041d: ["CYRILLIC CAPITAL LETTER EN", "H"],
  0x041e: ["CYRILLIC CAPITAL LETTER O", "O"],
  0x0420: ["CYRILLIC CAPITAL LETTER ER", "P"],
  0x0421: ["CYRILLIC CAPITAL LETTER ES", "C"],
  0x0422: ["CYRILLIC CAPITAL LETTER TE", "T"],
  0x0425: ["CYRILLIC CAPITAL LETTER HA", "X"],
  0x0405: ["CYRILLIC CAPITAL LETTER DZE", "S"],
  0x0406: ["CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I", "I"],
  0x0408: ["CYRILLIC CAPITAL LETTER JE", "J"],
  0x04ae: ["CYRILLIC CAPITAL LETTER STRAIGHT U", "Y"],
  0x04c0: ["CYRILLIC LETTER PALOCHKA", "I"],
  0x051a: ["CYRILLIC CAPITAL LETTER QA", "Q"],
  0x051c: ["CYRILLIC CAPITAL LETTER WE", "W"],
  0x0391: ["GREEK CAPITAL LETTER ALPHA", "A"],
  0x0392: ["GREEK CAPITAL LETTER BETA", "B"],
  0x0395: ["GREEK CAPITAL LETTER EPSILON", "E"],
  0x0396: ["GREEK CAPITAL LETTER ZETA", "Z"],
  0x0397: ["GREEK CAPITAL LETTER ETA", "H"],
  0x0399: ["GREEK CAPITAL LETTER IOTA", "I"],
  0x039a: ["GREEK CAPITAL LETTER KAPPA", "K"],
  0x039c: ["GREEK CAPITAL LETTER MU", "M"],
  0x039d: ["GREEK CAPITAL LETTER NU", "N"],
  0x039f: ["GREEK CAPITAL LETTER OMICRON", "O"],
  0x03a1: ["GREEK CAPITAL LETTER RHO", "P"],
  0x03a4: ["GREEK CAPITAL LETTER TAU", "T"],
  0x03a5: ["GREEK CAPITAL LETTER UPSILON", "Y"],
  0x03a7: ["GREEK CAPITAL LETTER CHI", "X"],
  0x03b1: ["GREEK SMALL LETTER ALPHA", "a"],
  0x03b9: ["GREEK SMALL LETTER IOTA", "i"],
  0x03bd: ["GREEK SMALL LETTER NU", "v"],
  0x03bf: ["GREEK SMALL LETTER OMICRON", "o"],
  0x03c1: ["GREEK SMALL LETTER RHO", "p"],
  0x03c5: ["GREEK SMALL LETTER UPSILON", "u"],
  0x0570: ["ARMENIAN SMALL LETTER HO", "h"],
  0x0578: ["ARMENIAN SMALL LETTER VO", "n"],
  0x057d: ["ARMENIAN SMALL LETTER SEH", "u"],
  0x0585: ["ARMENIAN SMALL LETTER OH", "o"],
};

/** Runs of letters, marks, digits and the identifier punctuation `_` and `$`. */
const WORD = /[\p{L}\p{M}\p{N}_$]+/gu;
const LATIN = /\p{Script=Latin}/u;

interface LookalikeWord {
  /** The word with its look-alike letters as escapes: `\u043Erders`. */
  escaped: string;
  letters: number[];
}

/** Words that hold Latin letters and at least one look-alike from another script. */
export function lookalikeWords(text: string): LookalikeWord[] {
  const words: LookalikeWord[] = [];
  for (const [word] of text.matchAll(WORD)) {
    if (!LATIN.test(word)) continue;
    const letters: number[] = [];
    let escaped = "";
    for (const ch of word) {
      const cp = ch.codePointAt(0)!;
      if (LOOKALIKES[cp]) {
        letters.push(cp);
        escaped += `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
      } else escaped += hiddenCodePoints(ch).length > 0 ? `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}` : ch;
    }
    if (letters.length > 0) words.push({ escaped: escaped.length > 80 ? `${escaped.slice(0, 80)}…` : escaped, letters });
  }
  return words;
}

/** The text with each look-alike letter inside a Latin word escaped (`public.\u043Erders`); other text unchanged. */
export function escapeLookalikes(text: string): string {
  return text.replace(WORD, (word) => {
    if (!LATIN.test(word)) return word;
    let out = "";
    for (const ch of word) {
      const cp = ch.codePointAt(0)!;
      out += LOOKALIKES[cp] ? `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}` : ch;
    }
    return out;
  });
}

function lookalikesDeep(value: unknown, found: LookalikeWord[], depth = 0): void {
  if (typeof value === "string") found.push(...lookalikeWords(value));
  else if (depth > MAX_DEPTH) return;
  else if (Array.isArray(value)) for (const item of value) lookalikesDeep(item, found, depth + 1);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      found.push(...lookalikeWords(key));
      lookalikesDeep(item, found, depth + 1);
    }
  }
}

/** `U+043E CYRILLIC SMALL LETTER O (looks like o)`. */
function describeLookalike(codePoint: number): string {
  const [name, latin] = LOOKALIKES[codePoint]!;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")} ${name} (looks like ${latin})`;
}
