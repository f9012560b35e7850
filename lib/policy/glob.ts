// Policy globs: `*` matches any run of characters (including none, `.` and `/`); every other
// character matches itself, case-sensitively. Matched without regular expressions, in time
// proportional to pattern × text at worst, so no pattern can make matching slow.

export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1; // position in pattern just after the last `*`
  let resume = 0; // position in text where that `*` started matching
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === "*") {
      star = ++p;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star !== -1) {
      p = star;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** True when any of the patterns matches any of the texts. */
export function anyGlobMatches(patterns: readonly string[], texts: readonly string[]): boolean {
  return patterns.some((pattern) => texts.some((text) => globMatch(pattern, text)));
}
