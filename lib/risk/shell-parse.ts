// A careful, small POSIX-shell (and bash) lexer and parser, enough to find every simple command
// a command line would run: it understands quoting, escapes, comments, pipes and lists
// (`|`, `&&`, `||`, `;`, `&`, newlines), subshells and groups, redirections, here-documents,
// and collects the text of command substitutions (`$(…)`, backticks, `<(…)`) so callers can
// classify those too. It does not expand anything: a word that contains an expansion is marked.

export interface Word {
  /** The word after quote removal; expansions are kept literally (`$HOME`, `$(…)`). */
  text: string;
  /** Contains a parameter expansion, command substitution or arithmetic, unquoted or in double quotes. */
  expanded: boolean;
  /** Some part of the word was quoted. */
  quoted: boolean;
}

export interface Redirect {
  /** `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `&>`, `>&`, `<>`, `>|`, … */
  op: string;
  /** The file, the here-document delimiter, or the here-string. */
  target: Word;
  /** Body of a here-document. */
  heredoc?: string;
}

export type StdinSource =
  | { kind: "text"; text: string }
  | { kind: "command"; command: SimpleCommand }
  | { kind: "file"; path: string };

export interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  /** Where standard input comes from, when the command line says. */
  stdin: StdinSource | null;
}

export interface ParsedShell {
  commands: SimpleCommand[];
  /** Names of shell functions defined with `name() …`; their bodies are among `commands`. */
  functions: string[];
  /** Source text of every command substitution and process substitution, to classify on its own. */
  substitutions: string[];
}

export class ShellSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellSyntaxError";
  }
}

const MAX_SUBSTITUTION_DEPTH = 16;
const REDIRECT = /^(?:\d+|\{[A-Za-z_][A-Za-z0-9_]*\})?(<<<|<<-|<<|<>|<&|<|>>|>&|>\||>|&>>|&>)/;

export function parseShell(source: string): ParsedShell {
  const parser = new Parser(source, 0, 0, false);
  parser.run();
  return { commands: parser.commands, functions: parser.functions, substitutions: parser.substitutions };
}

interface PendingHeredoc {
  redirect: Redirect;
  command: SimpleCommand;
  delimiter: string;
  stripTabs: boolean;
  literal: boolean;
}

class Parser {
  i: number;
  commands: SimpleCommand[] = [];
  functions: string[] = [];
  substitutions: string[] = [];
  private current: SimpleCommand = newCommand(null);
  private pending: PendingHeredoc[] = [];
  private parens = 0;

  constructor(
    private readonly src: string,
    start: number,
    private readonly depth: number,
    /** Inside `$(…)`: stop at the `)` that closes it. */
    private readonly stopAtParen: boolean,
  ) {
    this.i = start;
  }

  run(): void {
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i]!;
      if (c === " " || c === "\t" || c === "\r") {
        this.i++;
        continue;
      }
      if (c === "\\" && src[this.i + 1] === "\n") {
        this.i += 2;
        continue;
      }
      if (c === "#") {
        while (this.i < src.length && src[this.i] !== "\n") this.i++;
        continue;
      }
      if (c === "\n") {
        this.i++;
        this.endCommand(false);
        this.readHeredocBodies();
        continue;
      }
      if (c === ")") {
        if (this.stopAtParen && this.parens === 0) {
          this.endCommand(false);
          return;
        }
        this.parens = Math.max(0, this.parens - 1);
        this.i++;
        this.endCommand(false);
        continue;
      }
      if (c === "(") {
        if (src[this.i + 1] === "(" && this.current.words.length === 0) {
          this.current.words.push(this.readArithmeticCommand());
          continue;
        }
        this.i++;
        // `name ( )` defines a function: the name is not a command.
        const rest = /^[ \t]*\)/.exec(src.slice(this.i, this.i + 64));
        if (rest && this.current.words.length === 1) {
          this.i += rest[0].length;
          this.functions.push(this.current.words[0]!.text);
          this.current = newCommand(null);
          continue;
        }
        this.parens++;
        this.endCommand(false);
        continue;
      }
      if ((c === "<" || c === ">") && src[this.i + 1] === "(") {
        this.i += 2;
        const inner = this.readSubstitution();
        this.current.words.push({ text: `${c}(${inner})`, expanded: true, quoted: false });
        continue;
      }
      const redirect = REDIRECT.exec(src.slice(this.i, this.i + 40));
      if (redirect && (c === "<" || c === ">" || c === "&" || /[\d{]/.test(c))) {
        // Digits or {var} only make a redirection when they touch the operator.
        this.i += redirect[0].length;
        this.readRedirect(redirect[1]!);
        continue;
      }
      if (c === "|" || c === "&" || c === ";") {
        const two = src.slice(this.i, this.i + 2);
        let length = ["||", "&&", ";;", ";&", "|&"].includes(two) ? 2 : 1;
        if (two === ";;" && src[this.i + 2] === "&") length = 3; // ;;&
        this.i += length;
        this.endCommand(two === "|&" || (c === "|" && two !== "||"));
        continue;
      }
      this.current.words.push(this.readWord());
    }
    if (this.stopAtParen) throw new ShellSyntaxError("unterminated command substitution `$(`");
    this.endCommand(false);
    if (this.pending.length > 0) this.readHeredocBodies();
  }

  private endCommand(pipe: boolean): void {
    const finished = this.current;
    const hasContent = finished.words.length > 0 || finished.redirects.length > 0;
    if (hasContent) this.commands.push(finished);
    this.current = newCommand(pipe && hasContent ? { kind: "command", command: finished } : null);
  }

  private readRedirect(op: string): void {
    const src = this.src;
    while (src[this.i] === " " || src[this.i] === "\t") this.i++;
    if (this.i >= src.length || "\n|&;()<>".includes(src[this.i]!)) throw new ShellSyntaxError(`redirection \`${op}\` has no target`);
    const target = this.readWord();
    const redirect: Redirect = { op, target };
    this.current.redirects.push(redirect);
    if (op === "<<" || op === "<<-") {
      // The body follows the next newline; it becomes the command's stdin once read.
      redirect.heredoc = "";
      this.current.stdin = { kind: "text", text: "" };
      this.pending.push({ redirect, command: this.current, delimiter: target.text, stripTabs: op === "<<-", literal: target.quoted });
    } else if (op === "<<<") {
      this.current.stdin = { kind: "text", text: `${target.text}\n` };
    } else if (op === "<") {
      this.current.stdin = { kind: "file", path: target.text };
    }
  }

  private readHeredocBodies(): void {
    const src = this.src;
    for (const heredoc of this.pending) {
      const lines: string[] = [];
      for (;;) {
        if (this.i >= src.length) break; // bash accepts a here-document ended by end of input
        const end = src.indexOf("\n", this.i);
        const raw = end === -1 ? src.slice(this.i) : src.slice(this.i, end);
        this.i = end === -1 ? src.length : end + 1;
        const line = heredoc.stripTabs ? raw.replace(/^\t+/, "") : raw;
        if (line === heredoc.delimiter) break;
        lines.push(line);
      }
      const body = lines.length > 0 ? `${lines.join("\n")}\n` : "";
      heredoc.redirect.heredoc = body;
      heredoc.command.stdin = { kind: "text", text: body };
      if (!heredoc.literal) this.collectSubstitutions(body);
    }
    this.pending = [];
  }

  /** Substitutions inside text that the shell expands like a double-quoted string (unquoted here-documents). */
  private collectSubstitutions(text: string): void {
    const inner = new Parser(text, 0, this.depth + 1, false);
    for (inner.i = 0; inner.i < text.length; ) {
      const c = text[inner.i]!;
      if (c === "\\") inner.i += 2;
      else if (c === "$" && text[inner.i + 1] === "'") inner.i += 2; // $'…' is literal in a here-document
      else if (c === "$" || c === "`") inner.readDollarOrBacktick({ text: "", expanded: false, quoted: false });
      else inner.i++;
    }
    this.substitutions.push(...inner.substitutions);
  }

  private readWord(): Word {
    const src = this.src;
    const word: Word = { text: "", expanded: false, quoted: false };
    while (this.i < src.length) {
      const c = src[this.i]!;
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "|" || c === "&" || c === ";" || c === "(" || c === ")" || c === "<" || c === ">") {
        break;
      }
      if (c === "\\") {
        if (src[this.i + 1] === "\n") this.i += 2;
        else {
          word.text += src[this.i + 1] ?? "";
          word.quoted = true;
          this.i += 2;
        }
        continue;
      }
      if (c === "'") {
        const end = src.indexOf("'", this.i + 1);
        if (end === -1) throw new ShellSyntaxError("unterminated single quote");
        word.text += src.slice(this.i + 1, end);
        word.quoted = true;
        this.i = end + 1;
        continue;
      }
      if (c === '"') {
        this.readDoubleQuoted(word);
        continue;
      }
      if (c === "$" || c === "`") {
        this.readDollarOrBacktick(word);
        continue;
      }
      word.text += c;
      this.i++;
    }
    return word;
  }

  private readDoubleQuoted(word: Word): void {
    const src = this.src;
    word.quoted = true;
    this.i++;
    for (;;) {
      if (this.i >= src.length) throw new ShellSyntaxError("unterminated double quote");
      const c = src[this.i]!;
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === "\\") {
        const next = src[this.i + 1];
        if (next === "\n") this.i += 2;
        else if (next === "$" || next === "`" || next === '"' || next === "\\") {
          word.text += next;
          this.i += 2;
        } else {
          word.text += c;
          this.i++;
        }
        continue;
      }
      if (c === "$" || c === "`") {
        if (c === "$" && src[this.i + 1] === "'") {
          word.text += "$"; // $'…' is not special inside double quotes
          this.i++;
          continue;
        }
        this.readDollarOrBacktick(word);
        continue;
      }
      word.text += c;
      this.i++;
    }
  }

  readDollarOrBacktick(word: Word): void {
    const src = this.src;
    const c = src[this.i]!;
    if (c === "`") {
      let j = this.i + 1;
      let inner = "";
      for (;;) {
        if (j >= src.length) throw new ShellSyntaxError("unterminated backquote");
        const d = src[j]!;
        if (d === "\\" && (src[j + 1] === "`" || src[j + 1] === "\\" || src[j + 1] === "$")) {
          inner += src[j + 1];
          j += 2;
          continue;
        }
        if (d === "`") break;
        inner += d;
        j++;
      }
      this.addSubstitution(inner);
      word.text += `\`${inner}\``;
      word.expanded = true;
      this.i = j + 1;
      return;
    }
    const next = src[this.i + 1];
    if (next === "'") {
      // ANSI-C quoting: $'…' with backslash escapes.
      let j = this.i + 2;
      let text = "";
      for (;;) {
        if (j >= src.length) throw new ShellSyntaxError("unterminated $'…' quote");
        const d = src[j]!;
        if (d === "'") break;
        if (d === "\\") {
          const e = src[j + 1] ?? "";
          const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", e: "\x1b", f: "\f", v: "\v" };
          if (e in simple) {
            text += simple[e];
            j += 2;
          } else if (e === "x") {
            const hex = /^[0-9a-fA-F]{1,2}/.exec(src.slice(j + 2))?.[0] ?? "";
            text += hex ? String.fromCharCode(parseInt(hex, 16)) : "\\x";
            j += 2 + hex.length;
          } else if (/[0-7]/.test(e)) {
            const oct = /^[0-7]{1,3}/.exec(src.slice(j + 1))![0];
            text += String.fromCharCode(parseInt(oct, 8));
            j += 1 + oct.length;
          } else {
            text += `\\${e}`;
            j += 2;
          }
          continue;
        }
        text += d;
        j++;
      }
      word.text += text;
      word.quoted = true;
      this.i = j + 1;
      return;
    }
    if (next === "(") {
      if (src[this.i + 2] === "(") {
        const start = this.i;
        this.i += 3;
        this.skipBalanced("(", ")", 2);
        word.text += src.slice(start, this.i);
        word.expanded = true;
        return;
      }
      this.i += 2;
      const inner = this.readSubstitution();
      word.text += `$(${inner})`;
      word.expanded = true;
      return;
    }
    if (next === "{") {
      const start = this.i;
      this.i += 2;
      let depth = 1;
      while (depth > 0) {
        if (this.i >= src.length) throw new ShellSyntaxError("unterminated ${…}");
        const d = src[this.i]!;
        if (d === "\\") this.i += 2;
        else if (d === "'") {
          const end = src.indexOf("'", this.i + 1);
          if (end === -1) throw new ShellSyntaxError("unterminated single quote");
          this.i = end + 1;
        } else if (d === "$" || d === "`") {
          this.readDollarOrBacktick({ text: "", expanded: false, quoted: false });
        } else {
          if (d === "{") depth++;
          if (d === "}") depth--;
          this.i++;
        }
      }
      word.text += src.slice(start, this.i);
      word.expanded = true;
      return;
    }
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(src.slice(this.i + 1, this.i + 200));
    if (name) {
      word.text += `$${name[0]}`;
      word.expanded = true;
      this.i += 1 + name[0].length;
      return;
    }
    word.text += "$";
    this.i++;
  }

  /** Reads `…)` of a `$(…)` (the `$(` already consumed) and records its text. */
  private readSubstitution(): string {
    if (this.depth >= MAX_SUBSTITUTION_DEPTH) throw new ShellSyntaxError("command substitutions nested too deeply");
    const start = this.i;
    const inner = new Parser(this.src, start, this.depth + 1, true);
    inner.run();
    const text = this.src.slice(start, inner.i);
    this.i = inner.i + 1;
    this.addSubstitution(text);
    return text;
  }

  private addSubstitution(text: string): void {
    if (text.trim() !== "") this.substitutions.push(text);
  }

  private readArithmeticCommand(): Word {
    const start = this.i;
    this.i += 2;
    this.skipBalanced("(", ")", 2);
    return { text: this.src.slice(start, this.i), expanded: true, quoted: false };
  }

  /** Advances past `depth` closing brackets, counting nested ones. */
  private skipBalanced(open: string, close: string, depth: number): void {
    while (depth > 0) {
      if (this.i >= this.src.length) throw new ShellSyntaxError(`unterminated \`${open}${open}\``);
      const d = this.src[this.i]!;
      if (d === open) depth++;
      else if (d === close) depth--;
      this.i++;
    }
  }
}

function newCommand(stdin: StdinSource | null): SimpleCommand {
  return { words: [], redirects: [], stdin };
}
