// Shell risk: parses the command line into simple commands (see shell-parse.ts), looks through
// wrappers (`sudo`, `env`, `xargs`, `sh -c`, `ssh host …`, `kubectl exec … --`), and classifies
// each command. SQL given to psql is classified by the SQL classifier, and HTTP calls made with
// curl by the HTTP classifier, so their findings keep their own ids. Unknown commands are high.
import { assessHttp } from "./http";
import { type Finding, type RiskAssessment, type RiskLevel, quoteName, toAssessment } from "./levels";
import { CLI_SPECS, type CliSpec, cliArgs, ruleMatches } from "./shell-catalog";
import { parseShell, type SimpleCommand, type StdinSource, type Word } from "./shell-parse";
import { assessSql } from "./sql";

interface Collector {
  findings: Finding[];
  targets: string[];
}

interface Env {
  out: Collector;
  depth: number;
  stdin: StdinSource | null;
  /** `xargs` appends arguments read from standard input. */
  argsFromStdin: boolean;
  functions: ReadonlySet<string>;
  /** Environment variables assigned for this command (`PSQLRC=… psql`, `env PGOPTIONS=… psql`). */
  assigned?: readonly string[];
}

type Handler = (args: string[], env: Env, program: string, words: Word[]) => void;

const MAX_DEPTH = 8;

export function assessShell(command: string): RiskAssessment {
  const out: Collector = { findings: [], targets: [] };
  classifyScript(command, out, 0);
  return toAssessment(out.findings, out.targets);
}

function classifyScript(source: string, out: Collector, depth: number): void {
  if (depth > MAX_DEPTH) {
    out.findings.push({ id: "shell.unclassified", level: "high", message: "Runs commands nested too deeply for Countersign to inspect" });
    return;
  }
  let parsed: ReturnType<typeof parseShell>;
  try {
    parsed = parseShell(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    out.findings.push({
      id: "shell.parse_error",
      level: "high",
      message: `The command line does not parse (${reason}), so Countersign cannot tell what it would run`,
    });
    return;
  }
  const functions = new Set(parsed.functions);
  for (const command of parsed.commands) {
    if (command.words[0]?.text === "function" && command.words[1]) functions.add(command.words[1].text);
  }
  for (const command of parsed.commands) classifyCommand(command, { out, depth, stdin: command.stdin, argsFromStdin: false, functions });
  for (const substitution of parsed.substitutions) classifyScript(substitution, out, depth + 1);
}

function add(env: Env, id: string, level: RiskLevel, message: string): void {
  env.out.findings.push({ id, level, message });
}

function merge(env: Env, assessment: RiskAssessment): void {
  for (const finding of assessment.findings) env.out.findings.push(finding);
  for (const target of assessment.targets) env.out.targets.push(target);
}

function unclassified(env: Env, what: string): void {
  add(env, "shell.unclassified", "high", `Runs ${what}, which Countersign does not recognise`);
}

// ---------------------------------------------------------------------------------------------
// Simple commands

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/;
/** Reserved words that only introduce or close a compound command. */
const KEYWORDS = new Set(["!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "time", "coproc"]);
/** Reserved words whose whole clause runs nothing by itself (`for x in …`, `case $x in …`). */
const HEADERS = new Set(["for", "select", "case"]);

function classifyCommand(command: SimpleCommand, env: Env): void {
  for (const redirect of command.redirects) classifyRedirect(redirect.op, redirect.target, env);
  // Skip leading assignments and reserved words by index: shifting one at a time is quadratic.
  let start = 0;
  for (;;) {
    const first = command.words[start];
    if (!first) return;
    if (ASSIGNMENT.test(first.text) && !first.text.startsWith("=")) {
      start++;
      continue;
    }
    if (!first.quoted && KEYWORDS.has(first.text)) {
      start++;
      if (first.text === "time" && command.words[start]?.text === "-p") start++;
      continue;
    }
    if (!first.quoted && first.text === "function") {
      start += 2;
      continue;
    }
    if (!first.quoted && HEADERS.has(first.text)) return;
    break;
  }
  const words = command.words.slice(start);
  const assigned = command.words.slice(0, start).filter((w) => ASSIGNMENT.test(w.text)).map((w) => w.text);
  if (assigned.length > 0) env = { ...env, assigned: [...(env.assigned ?? []), ...assigned] };
  // A plain call to a function defined on this command line runs its body, classified where it
  // is defined. Wrappers (`command`, `sudo`, `env`, `xargs`, …) run the real program instead.
  if (words[0] && !words[0].quoted && env.functions.has(words[0].text)) return;
  classifyArgv(words, env);
}

const OUTPUT_REDIRECTS = new Set([">", ">>", ">|", "&>", "&>>", "<>", ">&"]);
const HARMLESS_FILES = /^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/;

function classifyRedirect(op: string, target: Word, env: Env): void {
  if (!OUTPUT_REDIRECTS.has(op)) return;
  if ((op === ">&" || op === "<>") && /^(\d+|-)$/.test(target.text)) return; // fd duplication
  if (HARMLESS_FILES.test(target.text)) return;
  if (target.text.startsWith("/tmp/") && !target.text.includes("..") && !target.expanded) return; // scratch space
  const absolute = target.text.startsWith("/");
  const level: RiskLevel = absolute || target.text.includes("..") || target.expanded ? "high" : "medium";
  const how = op === ">>" || op === "&>>" ? "Appends to" : "Overwrites";
  add(env, "shell.file_write", level, `${how} file ${quoteName(target.text)} (output redirection)`);
}

/** Wrappers around wrappers (`sudo env nice xargs …`) beyond this are not followed. */
const MAX_WRAPPERS = 32;
let wrapperDepth = 0;

/** Classifies an argument vector: `words[0]` is the program. */
function classifyArgv(words: Word[], env: Env): void {
  if (words.length === 0) return;
  if (wrapperDepth >= MAX_WRAPPERS) {
    add(env, "shell.unclassified", "high", "Runs a command behind more wrappers (sudo, env, xargs, …) than Countersign follows");
    return;
  }
  wrapperDepth++;
  try {
    classifyProgram(words, env);
  } finally {
    wrapperDepth--;
  }
}

function classifyProgram(words: Word[], env: Env): void {
  const first = words[0];
  if (!first) return;
  if (first.text.startsWith("((") || first.text === "[[") return; // arithmetic and tests
  if (first.expanded) {
    unclassified(env, `a command whose name comes from an expansion (${quoteName(first.text)})`);
    return;
  }
  const program = basename(first.text);
  const args = words.slice(1).map((w) => w.text);
  const handler = HANDLERS[program] ?? (program.startsWith("mkfs") ? diskWipe : undefined);
  if (handler) {
    handler(args, env, program, words.slice(1));
    return;
  }
  const cli = CLI_SPECS.find((spec) => spec.programs.includes(program));
  if (cli) {
    classifyCli(cli, program, args, env);
    return;
  }
  if (READ_ONLY.has(program)) return;
  unclassified(env, quoteName(program));
}

/** A table's own entry for a word, never one inherited from Object.prototype (`constructor`). */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function basename(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash >= 0 ? path.slice(slash + 1) : path;
}

const READ_ONLY = new Set([
  "ls", "cat", "echo", "printf", "pwd", "grep", "egrep", "fgrep", "head", "tail", "wc", "date", "whoami", "id",
  "hostname", "uname", "which", "type", "true", "false", "test", "[", "sleep", "stat", "du", "df", "cut",
  "tr", "jq", "diff", "cmp", "comm", "file", "basename", "dirname", "realpath", "readlink", "printenv", "ps",
  "uptime", "free", "nproc", "cd", "pushd", "popd", "dirs", "unset", "set", "shopt", "read", "wait", "exit",
  "return", ":", "less", "more", "column", "nl", "base64", "md5sum", "sha1sum", "sha256sum", "paste", "fold", "seq",
  "tput", "clear", "rmdir", "pg_isready", "pg_config", "history",
  "lsof", "netstat", "ss", "dig", "nslookup", "ping", "whereis", "locale", "tty", "groups", "users", "w", "who", "last",
  "top", "htop", "vmstat", "iostat", "shellcheck", "od", "hexdump", "strings", "zcat", "gunzip", "tac",
]);

// ---------------------------------------------------------------------------------------------
// Option helpers

/** Index of the first non-option argument; `valueShort`/`valueLong` take a separate value. */
function firstOperand(args: string[], valueShort: string, valueLong: readonly string[] = []): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return i + 1;
    if (arg.startsWith("--")) {
      if (!arg.includes("=") && valueLong.includes(arg)) i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // A short-option cluster: a value option takes the rest of the cluster, or the next argument.
      for (let j = 1; j < arg.length; j++) {
        if (valueShort.includes(arg[j]!)) {
          if (j === arg.length - 1) i++;
          break;
        }
      }
      continue;
    }
    return i;
  }
  return args.length;
}

function wrapper(valueShort: string, valueLong: readonly string[] = [], skipOperands = 0): Handler {
  return (args, env, _program, words) => {
    const start = firstOperand(args, valueShort, valueLong) + skipOperands;
    classifyArgv(words.slice(start), env);
  };
}

function hasFlag(args: string[], short: string, long: readonly string[] = []): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (long.some((l) => arg === l || arg.startsWith(`${l}=`))) return true;
    if (/^-[A-Za-z0-9]+$/.test(arg) && [...short].some((s) => arg.slice(1).includes(s))) return true;
  }
  return false;
}

/** Text piped or redirected into the command, when the command line shows it. */
function stdinText(source: StdinSource | null): string | null {
  if (!source) return null;
  if (source.kind === "text") return source.text;
  if (source.kind === "file") return null;
  const words = source.command.words.map((w) => w.text);
  const program = basename(words[0] ?? "");
  const args = words.slice(1);
  if (program === "echo") {
    while (args[0] && /^-[neE]+$/.test(args[0])) args.shift();
    return `${args.join(" ")}\n`;
  }
  if (program === "printf" && args.length > 0) {
    return args[0]!.includes("%") ? `${args.slice(1).join("\n")}\n` : args[0]!.replace(/\\n/g, "\n");
  }
  if (program === "cat" && args.length === 0) return stdinText(source.command.stdin);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Handlers

const HANDLERS: Record<string, Handler> = {
  sudo: wrapper("ughpCDrtUT", ["--user", "--group", "--host", "--prompt", "--close-from", "--chdir", "--role", "--type", "--other-user", "--command-timeout"]),
  doas: wrapper("uC"),
  nohup: wrapper(""),
  command(args, env, program, words) {
    if (hasFlag(args, "vV")) return; // `command -v x` only looks x up
    wrapper("")(args, env, program, words);
  },
  builtin: wrapper(""),
  exec: wrapper("a"),
  nice: wrapper("n", ["--adjustment"]),
  ionice: wrapper("cnpPu", ["--class", "--classdata", "--pid", "--pgid", "--uid"]),
  timeout: wrapper("sk", ["--signal", "--kill-after"], 1),
  stdbuf: wrapper("ioe", ["--input", "--output", "--error"]),
  chroot: wrapper("", ["--userspec", "--groups"], 1),
  caffeinate: wrapper("tw"),
  unbuffer: wrapper(""),
  time: wrapper("fo", ["--format", "--output"]),
  watch(args, env, _program, words) {
    const start = firstOperand(args, "nq", ["--interval", "--differences"]);
    if (hasFlag(args.slice(0, start), "x", ["--exec"])) classifyArgv(words.slice(start), env);
    else classifyScript(args.slice(start).join(" "), env.out, env.depth + 1);
  },
  flock(args, env, _program, words) {
    const command = args.findIndex((a) => a === "-c" || a === "--command");
    if (command >= 0) {
      classifyScript(args[command + 1] ?? "", env.out, env.depth + 1);
      return;
    }
    classifyArgv(words.slice(firstOperand(args, "wEn", ["--timeout", "--conflict-exit-code"]) + 1), env);
  },

  env(args, env, _program, words) {
    let i = 0;
    for (; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === "--") {
        i++;
        break;
      }
      if (arg === "-S" || arg === "--split-string" || arg.startsWith("--split-string=") || (arg.startsWith("-S") && arg.length > 2)) {
        const inline = arg.startsWith("--split-string=") ? arg.slice(15) : arg.startsWith("-S") && arg.length > 2 ? arg.slice(2) : args[++i] ?? "";
        classifyScript([inline, ...args.slice(i + 1)].join(" "), env.out, env.depth + 1);
        return;
      }
      if (arg === "-u" || arg === "-C" || arg === "-P" || arg === "--unset" || arg === "--chdir") {
        i++;
        continue;
      }
      if (arg.startsWith("-")) continue;
      if (ASSIGNMENT.test(arg)) continue;
      break;
    }
    const assigned = args.slice(0, i).filter((a) => ASSIGNMENT.test(a));
    classifyArgv(words.slice(i), assigned.length > 0 ? { ...env, assigned: [...(env.assigned ?? []), ...assigned] } : env); // no command: env prints the environment
  },

  xargs(args, env, _program, words) {
    const start = firstOperand(args, "aEdILnPsel", [
      "--arg-file", "--delimiter", "--eof", "--replace", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var",
    ]);
    if (start >= args.length) return; // default command: echo
    classifyArgv(words.slice(start), { ...env, stdin: null, argsFromStdin: true });
  },

  eval(args, env) {
    classifyScript(args.join(" "), env.out, env.depth + 1);
  },

  sh: shell,
  bash: shell,
  zsh: shell,
  dash: shell,
  ksh: shell,
  ash: shell,

  su(args, env) {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === "-c" || arg === "--command") {
        classifyScript(args[i + 1] ?? "", env.out, env.depth + 1);
        return;
      }
      if (arg.startsWith("--command=")) {
        classifyScript(arg.slice(10), env.out, env.depth + 1);
        return;
      }
    }
    unclassified(env, "an interactive shell as another user (`su`)");
  },

  ssh(args, env) {
    const host = firstOperand(args, "bcDEeFIiJLlmOopQRSWwB");
    const remote = args.slice(host + 1);
    if (remote.length === 0) {
      unclassified(env, `an interactive SSH session${args[host] ? ` on ${quoteName(args[host]!)}` : ""}`);
      return;
    }
    // ssh hands the remote shell the arguments joined by spaces, which it parses again.
    classifyScript(remote.join(" "), env.out, env.depth + 1);
  },

  docker: container,
  podman: container,
  "docker-compose"(args, env, _program, words) {
    container(["compose", ...args], env, "docker", [{ text: "compose", expanded: false, quoted: false }, ...words]);
  },

  kubectl,
  oc: kubectl,

  terraform: terraform,
  tofu: terraform,
  terragrunt: terraform,

  git,

  psql,

  dropdb(args, env) {
    const start = firstOperand(args, "hpU", ["--host", "--port", "--username", "--maintenance-db"]);
    const name = args[start];
    add(env, "shell.dropdb", "critical", `Drops database ${name ? quoteName(name) : "(named on standard input)"} with dropdb`);
  },

  "redis-cli": redisCli,

  rm(args, env) {
    let recursive = false;
    let noPreserveRoot = false;
    const paths: string[] = [];
    let options = true;
    for (const arg of args) {
      if (options && arg === "--") {
        options = false;
        continue;
      }
      if (options && arg.startsWith("--")) {
        if (arg === "--recursive") recursive = true;
        if (arg === "--no-preserve-root") noPreserveRoot = true;
        continue;
      }
      if (options && arg.startsWith("-") && arg.length > 1) {
        if (/[rR]/.test(arg)) recursive = true;
        continue;
      }
      paths.push(arg);
    }
    const shown = paths.length > 0 ? paths.map(quoteName).join(", ") : "files";
    const fromStdin = env.argsFromStdin ? " with paths read from standard input" : "";
    if (!recursive) {
      add(env, "shell.file_delete", "high", `Deletes ${shown}${fromStdin} (rm)`);
      return;
    }
    const critical = noPreserveRoot || paths.some(isSweepingPath);
    add(env, "shell.rm_recursive", critical ? "critical" : "high", `Deletes ${shown} and everything below${fromStdin} (rm -r)`);
  },

  find(args, env, _program, words) {
    const exec = args.findIndex((a) => a === "-exec" || a === "-execdir" || a === "-ok" || a === "-okdir");
    if (args.includes("-delete")) {
      add(env, "shell.rm_recursive", "high", `Deletes every file that ${quoteName("find")} matches (-delete)`);
    }
    if (exec >= 0) {
      const end = args.findIndex((a, i) => i > exec && (a === ";" || a === "+"));
      classifyArgv(words.slice(exec + 1, end === -1 ? undefined : end), env);
    }
    if (args.some((a) => /^-f(print|print0|printf|ls)$/.test(a))) add(env, "shell.file_write", "medium", "Writes a file listing (find -fprint)");
  },

  sed,

  dd(args, env) {
    const output = args.find((a) => a.startsWith("of="))?.slice(3);
    if (output?.startsWith("/dev/") && !HARMLESS_FILES.test(output)) {
      add(env, "shell.disk_wipe", "critical", `Overwrites device ${quoteName(output)} with dd`);
    } else if (output) {
      add(env, "shell.file_write", "high", `Overwrites file ${quoteName(output)} with dd`);
    }
  },
  wipefs: diskWipe,
  shred(args, env) {
    const targets = args.filter((a) => !a.startsWith("-"));
    if (targets.some((t) => t.startsWith("/dev/"))) diskWipe(args, env, "shred");
    else add(env, "shell.file_delete", "high", `Destroys the contents of ${targets.map(quoteName).join(", ") || "files"} (shred)`);
  },

  curl,
  wget,

  sort(args, env) {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === "--") break;
      if (arg.startsWith("--")) {
        const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        const value = () => inline ?? args[++i] ?? "";
        if (name === "--compress-program") unclassified(env, `sort with the compression program ${quoteName(value())}`);
        else if (name === "--output") fileWrite(env, value(), "(sort -o)");
        else if (inline === undefined && SORT_VALUE_LONG.includes(name)) i++;
        continue;
      }
      if (arg.startsWith("-") && arg.length > 1) {
        for (let j = 1; j < arg.length; j++) {
          const flag = arg[j]!;
          if ("ktoST".includes(flag)) {
            const value = j < arg.length - 1 ? arg.slice(j + 1) : args[++i] ?? "";
            if (flag === "o") fileWrite(env, value, "(sort -o)");
            break;
          }
        }
      }
    }
  },

  rg(args, env) {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === "--") break;
      if (arg === "--pre" || arg.startsWith("--pre=")) {
        unclassified(env, `rg with the preprocessor ${quoteName(arg === "--pre" ? args[++i] ?? "" : arg.slice(6))}, which it runs on every file searched`);
      }
    }
  },

  uniq(args, env) {
    const operands = operandsOf(args, "fsw", ["--skip-fields", "--skip-chars", "--check-chars"]);
    if (operands[1] !== undefined) fileWrite(env, operands[1], "(the output operand of uniq)");
  },

  xxd(args, env) {
    const operands = operandsOf(args, "cglnosR", ["-cols", "-groupsize", "-len", "-name", "-offset", "-seek"]);
    if (operands[1] !== undefined) fileWrite(env, operands[1], "(the output operand of xxd)");
  },

  pg_dump: pgDump,
  pg_dumpall: pgDump,

  ag(args, env) {
    const pager = args.findIndex((a) => a === "--pager" || a.startsWith("--pager="));
    if (pager >= 0) unclassified(env, `ag with the pager ${quoteName(args[pager] === "--pager" ? args[pager + 1] ?? "" : args[pager]!.slice(8))}`);
  },

  tree(args, env) {
    const output = args.indexOf("-o");
    if (output >= 0) fileWrite(env, args[output + 1] ?? "", "(tree -o)");
  },

  yq(args, env) {
    if (args.some((a) => a === "--inplace" || a === "--in-place" || /^-[A-Za-z]*i[A-Za-z]*$/.test(a))) {
      add(env, "shell.file_write", "medium", "Edits files in place (yq -i)");
    }
  },

  export(args, env) {
    const setting = args.find((a) => PSQL_ENVIRONMENT.test(a));
    if (setting) unclassified(env, `psql settings exported for later commands (${quoteName(setting)}): a startup file or server options Countersign cannot see`);
    const git = args.find(isRiskyGitEnvironment);
    if (git) unclassified(env, `git settings exported for later commands (${quoteName(git)}), which can make git run any program`);
  },
  declare: exportedDeclaration,
  typeset: exportedDeclaration,
  local: exportedDeclaration,
};

/** `declare -x NAME=value` exports like `export` does; without -x it only sets a shell variable. */
function exportedDeclaration(args: string[], env: Env, program: string, words: Word[]): void {
  if (hasFlag(args, "x")) HANDLERS.export!(args, env, program, words);
}

const SORT_VALUE_LONG = ["--key", "--field-separator", "--buffer-size", "--temporary-directory", "--parallel", "--batch-size", "--files0-from", "--random-source", "--sort"];

/** The operands of a command, skipping options and the values of `valueShort`/`valueLong`. */
function operandsOf(args: string[], valueShort: string, valueLong: readonly string[] = []): string[] {
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return [...operands, ...args.slice(i + 1)];
    if (arg === "-") operands.push(arg);
    else if (valueLong.includes(arg)) i++;
    else if (arg.startsWith("--")) continue;
    else if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        if (valueShort.includes(arg[j]!)) {
          if (j === arg.length - 1) i++;
          break;
        }
      }
    } else operands.push(arg);
  }
  return operands;
}

function pgDump(args: string[], env: Env, program: string): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg === "--file" || arg.startsWith("--file=")) {
      fileWrite(env, arg === "--file" ? args[++i] ?? "" : arg.slice(7), `(${program} --file)`);
      continue;
    }
    if (arg.startsWith("--")) {
      if (!arg.includes("=") && PG_DUMP_VALUE_LONG.includes(arg)) i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j]!;
        if ("dhpUfFjnNtTZESel".includes(flag)) {
          const value = j < arg.length - 1 ? arg.slice(j + 1) : args[++i] ?? "";
          if (flag === "f") fileWrite(env, value, `(${program} -f)`);
          break;
        }
      }
    }
  }
}

const PG_DUMP_VALUE_LONG = ["--dbname", "--host", "--port", "--username", "--format", "--jobs", "--schema", "--exclude-schema", "--table", "--exclude-table", "--compress", "--encoding", "--superuser", "--role", "--lock-wait-timeout", "--exclude-table-data", "--section", "--snapshot", "--extra-float-digits", "--rows-per-insert", "--filter", "--database", "--exclude-database"];

// sed ------------------------------------------------------------------------------------------

function sed(args: string[], env: Env): void {
  const scripts: string[] = [];
  const files: string[] = [];
  let inPlace = false;
  let operand: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      operand ??= args[i + 1];
      break;
    }
    if (arg.startsWith("--")) {
      const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
      if (name === "--expression") scripts.push(inline ?? args[++i] ?? "");
      else if (name === "--file") files.push(inline ?? args[++i] ?? "");
      else if (name === "--in-place") inPlace = true;
      else if (name === "--line-length" && inline === undefined) i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j]!;
        if (flag === "i") {
          inPlace = true; // the rest of the cluster is the backup suffix
          break;
        }
        if (flag === "e" || flag === "f" || flag === "l") {
          const value = j < arg.length - 1 ? arg.slice(j + 1) : args[++i] ?? "";
          if (flag === "e") scripts.push(value);
          if (flag === "f") files.push(value);
          break;
        }
      }
      continue;
    }
    operand ??= arg;
  }
  // Without -e or -f, the first operand is the script.
  if (scripts.length === 0 && files.length === 0 && operand !== undefined) scripts.push(operand);
  if (inPlace) add(env, "shell.file_write", "medium", "Edits files in place (sed -i)");
  for (const file of files) unclassified(env, `the sed script in ${quoteName(file)}, whose commands (which can run programs and write files) Countersign cannot see`);
  // GNU sed joins -e scripts with newlines.
  const danger = sedDanger(scripts.join("\n"));
  if (danger?.kind === "exec") unclassified(env, `a sed script that runs shell commands (${danger.what})`);
  else if (danger?.kind === "write") fileWrite(env, danger.what, `with sed's ${danger.how} command`);
  else if (danger?.kind === "unknown") unclassified(env, `a sed script Countersign cannot read (${danger.what})`);
}

type SedDanger = { kind: "exec"; what: string } | { kind: "write"; what: string; how: string } | { kind: "unknown"; what: string };

/**
 * The first command of a sed script that runs a program (`e`, the `s///e` flag) or writes a file
 * (`w`, `W`, the `s///w` flag), or a command this reader does not know. Printing, deleting,
 * substituting, branching and reading files (`r`) change nothing outside sed's output.
 */
function sedDanger(script: string): SedDanger | null {
  const n = script.length;
  let i = 0;
  const skipBlanks = () => {
    while (i < n && (script[i] === " " || script[i] === "\t")) i++;
  };
  const restOfLine = () => {
    const end = script.indexOf("\n", i);
    const text = script.slice(i, end === -1 ? n : end);
    i = end === -1 ? n : end;
    return text;
  };
  const untilDelimiter = (delimiter: string): boolean => {
    while (i < n && script[i] !== delimiter) {
      if (script[i] === "\\") i++;
      else if (script[i] === "\n" && delimiter !== "\n") return false;
      i++;
    }
    if (i >= n) return false;
    i++;
    return true;
  };
  const address = (): boolean => {
    if (/[0-9]/.test(script[i] ?? "")) {
      while (/[0-9~]/.test(script[i] ?? "")) i++;
    } else if (script[i] === "$") i++;
    else if (script[i] === "/" || script[i] === "\\") {
      const delimiter = script[i] === "\\" ? script[++i] : "/";
      i++;
      if (delimiter === undefined || !untilDelimiter(delimiter)) return false;
      while (script[i] === "I" || script[i] === "M") i++;
    } else if (script[i] === "+" || script[i] === "~") {
      i++;
      while (/[0-9]/.test(script[i] ?? "")) i++;
    }
    return true;
  };
  while (i < n) {
    while (i < n && /[\s;}]/.test(script[i]!)) i++;
    if (i >= n) break;
    if (script[i] === "#") {
      restOfLine();
      continue;
    }
    if (!address()) return { kind: "unknown", what: "an unterminated address" };
    skipBlanks();
    if (script[i] === ",") {
      i++;
      skipBlanks();
      if (!address()) return { kind: "unknown", what: "an unterminated address" };
    }
    skipBlanks();
    while (script[i] === "!" || script[i] === " ") i++;
    const command = script[i++];
    if (command === undefined) break;
    switch (command) {
      case "{":
      case "=":
      case "d":
      case "D":
      case "g":
      case "G":
      case "h":
      case "H":
      case "n":
      case "N":
      case "p":
      case "P":
      case "x":
      case "z":
      case "F":
        continue;
      case "q":
      case "Q":
      case "l":
      case "L":
        skipBlanks();
        while (/[0-9]/.test(script[i] ?? "")) i++;
        continue;
      case "b":
      case "t":
      case "T":
      case ":":
      case "v":
        while (i < n && script[i] !== ";" && script[i] !== "\n") i++;
        continue;
      case "a":
      case "i":
      case "c":
        // Text to the end of the line; a backslash before the newline continues it.
        while (i < n && script[i] !== "\n") i += script[i] === "\\" ? 2 : 1;
        continue;
      case "r":
      case "R":
        restOfLine();
        continue;
      case "w":
      case "W":
        skipBlanks();
        return { kind: "write", what: restOfLine().trim(), how: command };
      case "e":
        skipBlanks();
        return { kind: "exec", what: quoteName(`e ${restOfLine().trim()}`.trim()) };
      case "s":
      case "y": {
        const delimiter = script[i++];
        if (delimiter === undefined || delimiter === "\n" || delimiter === "\\") return { kind: "unknown", what: `a malformed ${command} command` };
        if (!untilDelimiter(delimiter) || !untilDelimiter(delimiter)) return { kind: "unknown", what: `an unterminated ${command} command` };
        if (command === "y") continue;
        while (i < n && !/[\s;}]/.test(script[i]!)) {
          const flag = script[i++]!;
          if (flag === "e") return { kind: "exec", what: "the s///e flag runs the pattern space as a command" };
          if (flag === "w") {
            skipBlanks();
            return { kind: "write", what: restOfLine().trim(), how: "s///w" };
          }
          if (!/[gpiImM0-9]/.test(flag)) return { kind: "unknown", what: `the substitution flag ${quoteName(flag)}` };
        }
        continue;
      }
      default:
        return { kind: "unknown", what: `the command ${quoteName(command)}` };
    }
  }
  return null;
}

/** A file a command writes, judged like an output redirection to it. */
function fileWrite(env: Env, path: string, how: string): void {
  if (HARMLESS_FILES.test(path) || path === "-") return;
  if (path.startsWith("/tmp/") && !path.includes("..") && !path.includes("$")) return; // scratch space
  const level: RiskLevel = path.startsWith("/") || path.includes("..") || path.includes("$") || path === "" ? "high" : "medium";
  add(env, "shell.file_write", level, `Writes file ${quoteName(path || "(unnamed)")} ${how}`);
}

/** Paths whose recursive deletion destroys a system, a home directory, or a database's data. */
function isSweepingPath(path: string): boolean {
  const p = path.replace(/\/+$/, "") || "/";
  if (p === "/" || p === "/*" || p === "~" || p === "~/*" || /^\$\{?HOME\}?(\/\*)?$/.test(p) || p === "*" || p === "." || p === "..") return true;
  if (/^\/[^/]+(\/\*)?$/.test(p)) return true; // a top-level directory such as /etc or /var
  if (/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\//.test(path)) return true; // `$DIR/…` becomes `/…` when DIR is empty
  return /postgres|pgdata|mysql|mongo|redis|\/data(\/|$)/i.test(p);
}

function diskWipe(args: string[], env: Env, program: string): void {
  const device = args.filter((a) => !a.startsWith("-")).at(-1);
  add(env, "shell.disk_wipe", "critical", `Erases ${device ? quoteName(device) : "a disk"} (${program})`);
}

function shell(args: string[], env: Env, program: string): void {
  let i = 0;
  let command = false;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (arg === "-o" || arg === "+o" || arg === "--rcfile" || arg === "--init-file") {
      i++;
      continue;
    }
    if (/^[-+][A-Za-z]+$/.test(arg)) {
      if (arg.startsWith("-") && arg.includes("c")) command = true;
      continue;
    }
    if (arg.startsWith("--")) continue;
    break;
  }
  if (command) {
    classifyScript(args[i] ?? "", env.out, env.depth + 1);
    return;
  }
  if (i < args.length) {
    unclassified(env, `the script ${quoteName(args[i]!)} with ${program}, whose contents Countersign cannot see`);
    return;
  }
  const text = stdinText(env.stdin);
  if (text !== null) classifyScript(text, env.out, env.depth + 1);
  else unclassified(env, `a ${program} script read from standard input, whose contents Countersign cannot see`);
}

// docker ---------------------------------------------------------------------------------------

const DOCKER_READS = new Set(["ps", "images", "logs", "inspect", "version", "info", "stats", "top", "port", "diff", "history", "search", "events"]);
/** Management commands, whose verb comes next (`docker volume ls`). */
const DOCKER_OBJECTS = new Set(["container", "image", "volume", "network", "system", "context", "node", "service", "stack", "secret", "config", "plugin", "builder", "buildx", "manifest", "swarm"]);
const DOCKER_OBJECT_READS = new Set(["ls", "list", "inspect", "ps", "logs", "top", "stats", "port", "diff", "history", "df", "info", "show", "events"]);
const DOCKER_VERB_ALIASES: Record<string, string> = { remove: "rm", delete: "rm" };
/** The older top-level commands, named by the management command they stand for. */
const DOCKER_ALIASES: Record<string, string> = {
  rm: "container rm",
  rmi: "image rm",
  kill: "container kill",
  stop: "container stop",
  restart: "container restart",
  pause: "container pause",
  unpause: "container unpause",
  update: "container update",
  run: "container run",
  create: "container create",
  start: "container start",
};

const DOCKER_DELETE = "shell.docker_delete";
const DOCKER_CHANGE = "shell.docker_change";

/** What docker subcommands do; `--volumes` makes `system prune` and `rm` critical. */
const DOCKER_CHANGES: Record<string, { id: string; level: RiskLevel; what: string }> = {
  "container rm": { id: DOCKER_DELETE, level: "high", what: "Removes containers" },
  "container prune": { id: DOCKER_DELETE, level: "high", what: "Removes every stopped container" },
  "image rm": { id: DOCKER_DELETE, level: "high", what: "Removes images" },
  "image prune": { id: DOCKER_DELETE, level: "high", what: "Removes unused images" },
  "network rm": { id: DOCKER_DELETE, level: "high", what: "Removes networks, cutting the containers on them off" },
  "network prune": { id: DOCKER_DELETE, level: "high", what: "Removes every unused network" },
  "builder prune": { id: DOCKER_DELETE, level: "high", what: "Removes the build cache" },
  "system prune": { id: DOCKER_DELETE, level: "high", what: "Removes every stopped container, unused network and dangling image" },
  "volume rm": { id: DOCKER_DELETE, level: "critical", what: "Deletes volumes and the data in them" },
  "volume prune": { id: DOCKER_DELETE, level: "critical", what: "Deletes every unused volume and the data in it" },
  "service rm": { id: DOCKER_DELETE, level: "high", what: "Removes swarm services" },
  "stack rm": { id: DOCKER_DELETE, level: "high", what: "Removes a swarm stack with its services" },
  "container kill": { id: DOCKER_CHANGE, level: "high", what: "Kills running containers" },
  "container stop": { id: DOCKER_CHANGE, level: "high", what: "Stops running containers" },
  "container restart": { id: DOCKER_CHANGE, level: "high", what: "Restarts containers" },
  "container pause": { id: DOCKER_CHANGE, level: "high", what: "Pauses containers" },
  "container unpause": { id: DOCKER_CHANGE, level: "high", what: "Resumes paused containers" },
  "container update": { id: DOCKER_CHANGE, level: "high", what: "Changes the resources of running containers" },
  "container run": { id: DOCKER_CHANGE, level: "high", what: "Starts a new container, which can mount host files and reach the network" },
  "container create": { id: DOCKER_CHANGE, level: "high", what: "Creates a new container" },
  "container start": { id: DOCKER_CHANGE, level: "high", what: "Starts containers" },
  "service scale": { id: DOCKER_CHANGE, level: "high", what: "Changes how many replicas a swarm service runs" },
  "service update": { id: DOCKER_CHANGE, level: "high", what: "Changes a swarm service" },
  "swarm leave": { id: DOCKER_CHANGE, level: "high", what: "Takes this node out of the swarm" },
};

/** docker compose subcommands that change the project; `down -v` also deletes its volumes. */
const COMPOSE_CHANGES: Record<string, { id: string; what: string }> = {
  down: { id: DOCKER_DELETE, what: "Stops and removes the project's containers and networks" },
  rm: { id: DOCKER_DELETE, what: "Removes the project's stopped containers" },
  stop: { id: DOCKER_CHANGE, what: "Stops the project's containers" },
  kill: { id: DOCKER_CHANGE, what: "Kills the project's containers" },
  restart: { id: DOCKER_CHANGE, what: "Restarts the project's containers" },
  pause: { id: DOCKER_CHANGE, what: "Pauses the project's containers" },
  up: { id: DOCKER_CHANGE, what: "Creates and starts the project's containers" },
  start: { id: DOCKER_CHANGE, what: "Starts the project's containers" },
  create: { id: DOCKER_CHANGE, what: "Creates the project's containers" },
};

function container(args: string[], env: Env, program: string, words: Word[]): void {
  const global = firstOperand(args, "Hlc", ["--host", "--context", "--config", "--log-level"]);
  let sub = args[global];
  let rest = global + 1;
  if (sub === "compose") {
    const composeGlobal = rest + firstOperand(args.slice(rest), "fp", ["--file", "--project-name", "--profile", "--env-file", "--project-directory"]);
    sub = args[composeGlobal];
    rest = composeGlobal + 1;
    if (sub === "exec" || sub === "run") {
      const service = rest + firstOperand(args.slice(rest), "euw", ["--env", "--user", "--workdir", "--index", "--name", "--entrypoint", "--volume", "-v", "--publish", "-p"]);
      classifyArgv(words.slice(service + 1), env);
      if (sub === "run") unclassified(env, `${quoteName(`${program} compose run`)} (starts a new container)`);
      return;
    }
    if (["ps", "logs", "config", "images", "ls", "top", "version"].includes(sub ?? "")) return;
    const change = own(COMPOSE_CHANGES, sub ?? "");
    if (change) {
      const volumes = (sub === "down" || sub === "rm") && hasFlag(args.slice(rest), "v", ["--volumes"]);
      const what = volumes ? `${change.what}, and deletes its volumes with the data in them` : change.what;
      add(env, change.id, volumes ? "critical" : "high", `${what} (${quoteName(`${program} compose ${sub}`)})`);
      return;
    }
    unclassified(env, quoteName(`${program} compose ${sub ?? ""}`.trim()));
    return;
  }
  if (sub === "exec" || (sub === "container" && args[rest + firstOperand(args.slice(rest), "")] === "exec")) {
    const from = sub === "exec" ? rest : rest + firstOperand(args.slice(rest), "") + 1;
    const target = from + firstOperand(args.slice(from), "euw", ["--env", "--user", "--workdir", "--env-file", "--detach-keys"]);
    classifyArgv(words.slice(target + 1), env);
    return;
  }
  if (sub === undefined || DOCKER_READS.has(sub)) return;
  const verb = DOCKER_OBJECTS.has(sub) ? args[rest + firstOperand(args.slice(rest), "")] : undefined;
  if (verb !== undefined && DOCKER_OBJECT_READS.has(verb)) return;
  const command = verb !== undefined ? `${sub} ${own(DOCKER_VERB_ALIASES, verb) ?? verb}` : (own(DOCKER_ALIASES, sub) ?? sub);
  const change = own(DOCKER_CHANGES, command);
  if (change) {
    const volumes = (command === "system prune" && hasFlag(args, "", ["--volumes"])) || (command === "container rm" && hasFlag(args.slice(rest), "v", ["--volumes"]));
    const what = volumes ? `${change.what}, and their volumes with the data in them` : change.what;
    add(env, change.id, volumes ? "critical" : change.level, `${what} (${quoteName(`${program} ${sub}${verb ? ` ${verb}` : ""}`)})`);
    return;
  }
  unclassified(env, quoteName(`${program} ${sub}${verb ? ` ${verb}` : ""}`));
}

// kubectl --------------------------------------------------------------------------------------

const KUBECTL_VALUES = [
  "--namespace", "--context", "--cluster", "--kubeconfig", "--selector", "--output", "--filename", "--container", "--user",
  "--server", "--token", "--as", "--as-group", "--field-selector", "--sort-by", "--template", "--request-timeout", "--timeout",
  "--grace-period", "--kustomize", "--cascade", "--wait",
];
const KUBECTL_READS = new Set(["get", "describe", "logs", "top", "explain", "version", "api-resources", "api-versions", "cluster-info", "events", "wait", "diff"]);
/** `kubectl <command> <subcommand>` pairs that only read (`rollout status`, `auth can-i`, `config view`). */
const KUBECTL_SUBCOMMAND_READS: Record<string, readonly string[]> = {
  rollout: ["status", "history"],
  auth: ["can-i", "whoami"],
  config: ["view", "get-contexts", "current-context", "get-clusters", "get-users", "use-context"],
};
/** Commands that change the cluster, with what they do; a dry run (`--dry-run=client|server`) changes nothing. */
const KUBECTL_CHANGES: Record<string, { level: RiskLevel; what: string }> = {
  apply: { level: "high", what: "Applies manifests, creating or changing objects, and with --prune deleting them" },
  create: { level: "high", what: "Creates Kubernetes objects" },
  replace: { level: "high", what: "Replaces Kubernetes objects; --force deletes and re-creates them" },
  patch: { level: "high", what: "Patches Kubernetes objects" },
  edit: { level: "high", what: "Edits Kubernetes objects in place" },
  set: { level: "high", what: "Changes the image, resources or environment of workloads" },
  scale: { level: "high", what: "Changes how many replicas a workload runs; zero takes it down" },
  autoscale: { level: "high", what: "Changes how a workload is autoscaled" },
  rollout: { level: "high", what: "Restarts, rolls back, pauses or resumes a workload's rollout" },
  label: { level: "high", what: "Changes labels, which decide the pods that services and controllers select" },
  annotate: { level: "high", what: "Changes annotations, which controllers act on" },
  taint: { level: "high", what: "Taints nodes, keeping pods off them or evicting them" },
  drain: { level: "high", what: "Drains a node, evicting every pod on it" },
  cordon: { level: "medium", what: "Marks a node unschedulable; running pods stay" },
  uncordon: { level: "medium", what: "Marks a node schedulable again" },
  cp: { level: "high", what: "Copies files into or out of a container" },
  expose: { level: "high", what: "Creates a service that exposes a workload" },
  run: { level: "high", what: "Starts a new pod" },
  debug: { level: "high", what: "Starts a debugging container in a pod or on a node" },
  attach: { level: "high", what: "Attaches to a running container's input and output" },
  "port-forward": { level: "high", what: "Opens a local port to a pod or service" },
  proxy: { level: "high", what: "Opens a local proxy to the Kubernetes API" },
  certificate: { level: "high", what: "Approves or denies certificate signing requests" },
};
/** The resource type of Kubernetes secrets, whose data `kubectl get -o yaml` prints. */
const KUBE_SECRET = /^secrets?$/i;
const KUBE_CRITICAL = /^(namespaces?|ns|persistentvolumeclaims?|pvc|persistentvolumes?|pv|statefulsets?(\.apps)?|sts)$/i;
const KUBE_SNAPSHOT = /^(volumesnapshots?(\.snapshot\.storage\.k8s\.io)?|vs|volumesnapshotcontents?|vsc)$/i;

const KUBE_SHORT_NAMES: Record<string, string> = {
  ns: "namespace",
  pvc: "persistentvolumeclaim",
  pv: "persistentvolume",
  sts: "statefulset",
  deploy: "deployment",
  po: "pod",
  svc: "service",
  cm: "configmap",
  vs: "volumesnapshot",
};

function kubectlPositionals(args: string[]): string[] {
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg.startsWith("--")) {
      if (!arg.includes("=") && KUBECTL_VALUES.includes(arg)) i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      if (/^-[nlofcsk]$/.test(arg)) i++;
      continue;
    }
    positionals.push(arg);
  }
  return positionals;
}

function kubectl(args: string[], env: Env, program: string, words: Word[]): void {
  const positionals = kubectlPositionals(args);
  const sub = positionals[0];
  if (sub === undefined || KUBECTL_READS.has(sub) || own(KUBECTL_SUBCOMMAND_READS, sub)?.includes(positionals[1] ?? "")) {
    if (sub === "get" && kubectlPrintsSecrets(args, positionals)) {
      add(env, "shell.read_secret", "high", `Prints the data of Kubernetes secrets (${quoteName(`${program} get ${positionals.slice(1).join(" ")}`)} with an output format that shows their values)`);
    }
    if (sub === "config" && positionals[1] === "view" && hasFlag(args, "", ["--raw"])) {
      add(env, "shell.read_secret", "high", `Prints the kubeconfig with its credentials (${program} config view --raw)`);
    }
    return;
  }
  if (sub === "exec") {
    const dashes = args.indexOf("--");
    if (dashes >= 0) classifyArgv(words.slice(dashes + 1), env);
    else classifyArgv(positionals.slice(2).map((text) => ({ text, expanded: false, quoted: true })), env);
    return;
  }
  if (sub === "delete") {
    const objects = positionals.slice(1);
    const types = new Set<string>();
    const names: string[] = [];
    for (const [index, object] of objects.entries()) {
      if (object.includes("/")) {
        types.add(object.split("/")[0]!);
        names.push(object);
      } else if (index === 0) for (const t of object.split(",")) types.add(t);
      else names.push(object);
    }
    const fromFile = hasFlag(args, "fk", ["--filename", "--kustomize"]);
    const all = hasFlag(args, "A", ["--all", "--all-namespaces"]);
    const what = [...types].map((t) => KUBE_SHORT_NAMES[t.toLowerCase()] ?? t).join(", ") || (fromFile ? "the objects described in a file" : "objects");
    const which = names.length > 0 ? ` ${names.map(quoteName).join(", ")}` : all ? " (all of them)" : "";
    if ([...types].some((t) => KUBE_SNAPSHOT.test(t))) {
      add(env, "backup.delete_snapshot", "critical", `Deletes Kubernetes volume snapshots${which} (${program} delete)`);
    }
    const critical = all || [...types].some((t) => KUBE_CRITICAL.test(t));
    add(env, "shell.kubectl_delete", critical ? "critical" : "high", `Deletes Kubernetes ${what}${which} (${program} delete)`);
    return;
  }
  const change = own(KUBECTL_CHANGES, sub);
  if (change) {
    const dryRun = args.some((a) => a === "--dry-run" || /^--dry-run=(client|server)$/.test(a));
    if (!dryRun) add(env, "shell.kubectl_change", change.level, `${change.what} (${quoteName(`${program} ${positionals.slice(0, 3).join(" ")}`)})`);
    return;
  }
  unclassified(env, quoteName(`${program} ${sub}`));
}

/** `kubectl get secret … -o yaml` (json, jsonpath, go-template, custom-columns): the values, base64-encoded. */
function kubectlPrintsSecrets(args: string[], positionals: string[]): boolean {
  const objects = positionals.slice(1);
  const secrets = objects.some((object, index) => KUBE_SECRET.test(object.split("/")[0]!) || (index === 0 && object.split(",").some((t) => KUBE_SECRET.test(t))));
  if (!secrets) return false;
  let format: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-o" || arg === "--output") format = args[i + 1];
    else if (arg.startsWith("--output=")) format = arg.slice(9);
    else if (/^-o.+/.test(arg)) format = arg.slice(2).replace(/^=/, "");
    else if (arg === "--template" || arg.startsWith("--template=")) format = "go-template";
  }
  return format !== undefined && !/^(wide|name)$/.test(format);
}

// terraform ------------------------------------------------------------------------------------

const TERRAFORM_READS = new Set(["plan", "show", "validate", "output", "version", "providers", "graph", "init", "get", "console", "-version", "--version", "-help", "--help", "help"]);
/** Commands that change the state (and so what a later apply does) without a plan to review. */
const TERRAFORM_STATE_CHANGES: Record<string, string> = {
  import: "Imports existing infrastructure into the state, so later applies manage (and can destroy) it",
  taint: "Marks a resource to be destroyed and re-created by the next apply",
  untaint: "Clears a resource's mark for re-creation",
  refresh: "Rewrites the state from the real infrastructure",
  "force-unlock": "Removes the state lock, so two runs at once can corrupt the state",
  "state rm": "Removes resources from the state: Terraform forgets them, and a later apply may create duplicates",
  "state mv": "Moves resources within the state",
  "state push": "Overwrites the stored state with a local file",
  "state replace-provider": "Changes the provider of resources in the state",
  "workspace delete": "Deletes a workspace and its state",
};

function terraform(args: string[], env: Env, program: string): void {
  const positionals = args.filter((a) => !a.startsWith("-"));
  let sub = positionals[0];
  // terragrunt run-all destroy / terragrunt run --all destroy
  if (program === "terragrunt" && (sub === "run-all" || sub === "run")) sub = positionals[1];
  const destroyFlag = args.some((a) => a === "-destroy" || a === "--destroy");
  if (sub === "destroy" || (sub === "apply" && destroyFlag)) {
    add(env, "shell.terraform_destroy", "critical", `Destroys the infrastructure ${program} manages here (${program} ${sub === "apply" ? "apply -destroy" : "destroy"})`);
    return;
  }
  if (sub === "apply") {
    add(env, "shell.terraform_apply", "high", `Applies ${program} changes, which can create, change or destroy infrastructure`);
    return;
  }
  if (sub === undefined || TERRAFORM_READS.has(sub)) return;
  if ((sub === "state" && ["list", "show", "pull"].includes(positionals[1] ?? "")) || (sub === "workspace" && ["list", "show"].includes(positionals[1] ?? ""))) return;
  if (sub === "fmt") {
    // -check (and -write=false) only report; otherwise the files are rewritten in place.
    if (!args.some((a) => /^--?check$/.test(a) || /^--?write=false$/.test(a))) add(env, "shell.file_write", "medium", `Rewrites the configuration files here in place (${program} fmt)`);
    return;
  }
  const command = sub === "state" || sub === "workspace" ? `${sub} ${positionals[1] ?? ""}` : sub;
  const change = own(TERRAFORM_STATE_CHANGES, command);
  if (change) {
    add(env, "shell.terraform_state", "high", `${change} (${quoteName(`${program} ${command}`)})`);
    return;
  }
  unclassified(env, quoteName(`${program} ${sub}`));
}

// git ------------------------------------------------------------------------------------------

const GIT_READS = new Set(["status", "log", "diff", "show", "rev-parse", "ls-files", "ls-tree", "ls-remote", "blame", "describe", "shortlog", "grep", "cat-file", "whatchanged", "fetch", "version", "help", "rev-list", "name-rev", "merge-base", "show-ref", "for-each-ref", "check-ignore", "count-objects", "fsck"]);
const GIT_WRITES = new Set(["add", "commit", "checkout", "switch", "merge", "rebase", "pull", "clone", "cherry-pick", "revert", "init", "mv", "rm", "restore", "apply", "am", "submodule", "worktree", "notes", "bisect", "format-patch", "archive", "sparse-checkout", "maintenance", "gc"]);
const PROTECTED_BRANCH = /^(main|master|production|prod|release(s)?([/._-].*)?)$/i;

function git(args: string[], env: Env): void {
  const start = firstOperand(args, "Cc", ["--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"]);
  const sub = args[start];
  const rest = args.slice(start + 1);
  const restPositionals = rest.filter((a) => !a.startsWith("-"));
  // Configuration given on the command line can name programs git runs (core.fsmonitor,
  // diff.external, core.pager, alias.*), whatever the subcommand.
  const config = args.slice(0, start).find((a) => /^-c/.test(a) || a === "--config-env" || a.startsWith("--config-env="));
  if (config !== undefined) unclassified(env, `git with configuration set on the command line (${quoteName(config)}), which can make git run any program`);
  const variable = env.assigned?.find(isRiskyGitEnvironment);
  if (variable !== undefined) unclassified(env, `git with ${quoteName(variable)}, which can make git run any program`);
  if (sub !== undefined && gitRunsOrWrites(sub, rest, env)) return;
  if (sub === undefined || GIT_READS.has(sub)) return;
  switch (sub) {
    case "push":
      gitPush(rest, env);
      return;
    case "branch":
      if (hasFlag(rest, "D", ["--delete", "--force"]) || (hasFlag(rest, "d") && rest.includes("-f"))) {
        add(env, "shell.git_destructive", "high", `Force-deletes local branches ${restPositionals.map(quoteName).join(", ")} (git branch -D)`);
      } else if (restPositionals.length > 0 && !hasFlag(rest, "alrv", ["--list", "--all", "--remotes", "--contains", "--merged", "--no-merged", "--show-current"])) {
        add(env, "shell.git_write", "medium", "Changes branches in the local repository (git branch)");
      }
      return;
    case "tag":
    case "remote":
    case "config":
    case "stash":
    case "reflog": {
      const readOnly =
        (sub === "tag" && (restPositionals.length === 0 || hasFlag(rest, "l", ["--list"]))) ||
        (sub === "remote" && (restPositionals.length === 0 || ["show", "get-url"].includes(restPositionals[0]!))) ||
        (sub === "config" && hasFlag(rest, "l", ["--get", "--get-all", "--list", "--get-regexp"])) ||
        (sub === "stash" && ["list", "show"].includes(restPositionals[0] ?? "")) ||
        (sub === "reflog" && !["expire", "delete", "drop"].includes(restPositionals[0] ?? ""));
      if (readOnly) return;
      if ((sub === "stash" && ["drop", "clear"].includes(restPositionals[0] ?? "")) || sub === "reflog") {
        add(env, "shell.git_destructive", "high", `Discards history in the local repository (git ${sub} ${restPositionals[0] ?? ""})`.replace(" )", ")"));
      } else add(env, "shell.git_write", "medium", `Changes the local repository (git ${sub})`);
      return;
    }
    case "reset":
      if (rest.includes("--hard") || rest.includes("--merge") || rest.includes("--keep")) {
        add(env, "shell.git_destructive", "high", "Discards uncommitted work in the local repository (git reset --hard)");
      } else add(env, "shell.git_write", "medium", "Moves the current branch (git reset)");
      return;
    case "clean":
      if (hasFlag(rest, "n", ["--dry-run"])) return; // only lists what it would delete
      add(env, "shell.git_destructive", "high", "Deletes untracked files from the working tree (git clean)");
      return;
    case "filter-branch":
    case "filter-repo":
    case "update-ref":
      add(env, "shell.git_destructive", "high", `Rewrites history or references in the local repository (git ${sub})`);
      return;
  }
  if (GIT_WRITES.has(sub)) {
    add(env, "shell.git_write", "medium", `Changes the local repository (git ${sub})`);
    return;
  }
  unclassified(env, quoteName(`git ${sub}`));
}

/** Options of read-only subcommands that run a program or write a file; true when one was found. */
function gitRunsOrWrites(sub: string, rest: string[], env: Env): boolean {
  let found = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--") break;
    if (arg === "--ext-diff") {
      unclassified(env, `git ${sub} --ext-diff, which runs the external diff program the configuration names`);
      found = true;
    } else if (arg === "--output" || arg.startsWith("--output=")) {
      fileWrite(env, arg === "--output" ? rest[++i] ?? "" : arg.slice(9), `(git ${sub} --output)`);
      found = true;
    } else if (sub === "grep" && (arg === "--open-files-in-pager" || arg.startsWith("--open-files-in-pager=") || gitGrepPager(arg))) {
      unclassified(env, `git grep ${quoteName(arg)}, which runs the pager it names on the matching files`);
      found = true;
    } else if (sub === "grep" && GIT_GREP_VALUE_LONG.includes(arg)) i++;
    else if (sub === "grep" && /^-[A-Za-z0-9]*[efABCm]$/.test(arg)) i++; // the pattern or count is the next argument
  }
  return found;
}

/**
 * Environment that configures git the way -c does (GIT_CONFIG_PARAMETERS, GIT_CONFIG_KEY_0, …) or
 * names a program git runs. A pager that only displays (`GIT_PAGER=cat`) changes nothing.
 */
function isRiskyGitEnvironment(assignment: string): boolean {
  const equals = assignment.indexOf("=");
  if (equals < 0) return false;
  const name = assignment.slice(0, equals);
  const value = assignment.slice(equals + 1);
  if (name === "GIT_PAGER" || name === "PAGER") return !/^(cat|less( -[A-Za-z]+)?|more|)$/.test(value.trim());
  return /^GIT_(CONFIG(_.*)?|EXTERNAL_DIFF|SSH|SSH_COMMAND|EDITOR|SEQUENCE_EDITOR|ASKPASS|EXEC_PATH|PROXY_COMMAND|TEMPLATE_DIR)$/.test(name);
}

const GIT_GREP_VALUE_LONG = ["--max-depth", "--threads", "--max-count", "--context", "--after-context", "--before-context"];

/** A short-option cluster of git grep holding -O before any option that takes a value. */
function gitGrepPager(arg: string): boolean {
  if (!/^-[A-Za-z0-9]/.test(arg)) return false;
  for (const flag of arg.slice(1)) {
    if (flag === "O") return true;
    if ("efABCm".includes(flag)) return false;
  }
  return false;
}

function gitPush(args: string[], env: Env): void {
  let force = false;
  let mirror = false;
  let deleting = false;
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("--")) {
      if (arg === "--force" || arg.startsWith("--force-with-lease") || arg === "--force-if-includes") force = true;
      else if (arg === "--mirror" || arg === "--all" || arg === "--branches") mirror ||= arg === "--mirror";
      else if (arg === "--delete" || arg === "--prune") deleting = true;
      else if (["--repo", "--push-option", "--receive-pack", "--exec", "--recurse-submodules"].includes(arg)) i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      if (arg.slice(1).includes("f")) force = true;
      if (arg.slice(1).includes("d")) deleting = true;
      if (arg === "-o") i++;
      continue;
    }
    positionals.push(arg);
  }
  const remote = positionals[0];
  const refspecs = positionals.slice(1);
  const destinations = refspecs.map((spec) => {
    const plus = spec.startsWith("+");
    const body = plus ? spec.slice(1) : spec;
    const colon = body.lastIndexOf(":");
    const src = colon >= 0 ? body.slice(0, colon) : body;
    const dst = (colon >= 0 ? body.slice(colon + 1) : body).replace(/^refs\/heads\//, "");
    return { dst, force: force || plus, delete: deleting || (colon >= 0 && src === "") };
  });
  const where = remote ? ` on ${quoteName(remote)}` : "";
  if (mirror) {
    add(env, "shell.git_force_push", "high", `Mirrors the local repository${where}, overwriting and deleting every remote branch (git push --mirror)`);
    return;
  }
  if (destinations.length === 0) {
    if (force || deleting) add(env, "shell.git_force_push", "high", `Force-pushes the current branch${where}, which may be a protected branch, overwriting its remote history`);
    else add(env, "shell.git_push", "medium", `Pushes commits${where} (git push)`);
    return;
  }
  for (const d of destinations) {
    const isProtected = PROTECTED_BRANCH.test(d.dst);
    if (d.delete) {
      add(env, "shell.git_force_push", isProtected ? "high" : "medium", `Deletes remote branch ${quoteName(d.dst)}${where}`);
    } else if (d.force) {
      const effect = isProtected ? ", overwriting its history" : "";
      add(env, "shell.git_force_push", isProtected ? "high" : "medium", `Force-pushes to ${quoteName(d.dst)}${where}${effect}`);
    } else add(env, "shell.git_push", "medium", `Pushes commits to ${quoteName(d.dst)}${where}`);
  }
}

// psql -----------------------------------------------------------------------------------------

const PSQL_VALUE_SHORT = "cdfhpUvoLPTFR";
const PSQL_VALUE_LONG = ["--command", "--dbname", "--file", "--host", "--port", "--username", "--set", "--variable", "--output", "--log-file", "--pset", "--table-attr", "--field-separator", "--record-separator"];
const PSQL_READ_META = /^\\(d[A-Za-z]*\+?|l\+?|list|conninfo|x|timing|\?|z|echo|encoding|pset|q|copyright|h|help)(\s|$)/;

/** Environment that makes psql run a startup file or send server options (`-c role=…`). */
const PSQL_ENVIRONMENT = /^(PSQLRC|PGOPTIONS)=/;

function psql(args: string[], env: Env): void {
  const commands: string[] = [];
  const files: string[] = [];
  const connections: string[] = [];
  let list = false;
  let noPsqlrc = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg.startsWith("--")) {
      const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
      const value = inline ?? (PSQL_VALUE_LONG.includes(name) ? args[++i] : undefined);
      if (name === "--command" && value !== undefined) commands.push(value);
      if (name === "--file" && value !== undefined) files.push(value);
      if ((name === "--output" || name === "--log-file") && value !== undefined) fileWrite(env, value, `(psql ${name})`);
      if (name === "--dbname" && value !== undefined) connections.push(value);
      if (name === "--list") list = true;
      if (name === "--no-psqlrc") noPsqlrc = true;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j]!;
        if (flag === "l") list = true;
        if (flag === "X") noPsqlrc = true;
        if (PSQL_VALUE_SHORT.includes(flag)) {
          const value = j < arg.length - 1 ? arg.slice(j + 1) : args[++i];
          if (flag === "c" && value !== undefined) commands.push(value);
          if (flag === "f" && value !== undefined) files.push(value);
          if ((flag === "o" || flag === "L") && value !== undefined) fileWrite(env, value, `(psql -${flag})`);
          if (flag === "d" && value !== undefined) connections.push(value);
          break;
        }
      }
      continue;
    }
    connections.push(arg);
  }
  const rc = env.assigned?.find((a) => a.startsWith("PSQLRC="));
  if (rc !== undefined && !noPsqlrc) unclassified(env, `psql with ${quoteName(rc)}, a startup file whose commands Countersign cannot see`);
  const options = env.assigned?.find((a) => a.startsWith("PGOPTIONS="));
  if (options !== undefined) unclassified(env, `psql with server options from ${quoteName(options)}, which can set session_replication_role or role`);
  const withOptions = connections.find((c) => /(^|[?&\s])options\s*=/i.test(c));
  if (withOptions !== undefined) unclassified(env, `psql with server options in the connection string ${quoteName(withOptions)}, which can set session_replication_role or role`);
  for (const command of commands) {
    if (command.trimStart().startsWith("\\")) psqlMeta(command.trim(), env);
    else merge(env, assessSql(command));
  }
  for (const file of files) {
    if (file === "-") psqlStdin(env);
    else unclassified(env, `SQL from the file ${quoteName(file)} with psql, whose contents Countersign cannot see`);
  }
  if (commands.length === 0 && files.length === 0 && !list) psqlStdin(env);
}

function psqlStdin(env: Env): void {
  const text = stdinText(env.stdin);
  if (text !== null) {
    if (text.trim() !== "") merge(env, assessSql(text));
    return;
  }
  if (env.stdin?.kind === "file") unclassified(env, `SQL from the file ${quoteName(env.stdin.path)} with psql, whose contents Countersign cannot see`);
  else if (env.stdin) unclassified(env, "SQL piped into psql by another command, which Countersign cannot see");
  else unclassified(env, "an interactive psql session");
}

function psqlMeta(command: string, env: Env): void {
  if (command.startsWith("\\!")) {
    classifyScript(command.slice(2), env.out, env.depth + 1);
    return;
  }
  if (PSQL_READ_META.test(command) && !/[;\n]/.test(command)) return;
  unclassified(env, `the psql meta-command ${quoteName(command.split(/\s/)[0]!)}`);
}

// redis-cli ------------------------------------------------------------------------------------

const REDIS_VALUE_SHORT = "hpsaurindD";
const REDIS_VALUE_LONG = ["--user", "--pass", "--cacert", "--cacertdir", "--cert", "--key", "--sni", "--tls-ciphers", "--tls-ciphersuites", "--pattern", "--count", "--rdb", "--functions-rdb", "--quoted-pattern", "--memkeys-samples", "--intrinsic-latency", "--eval", "--cluster"];
const REDIS_READS = new Set([
  "get", "mget", "keys", "scan", "hscan", "sscan", "zscan", "info", "ping", "ttl", "pttl", "exists", "type", "hget", "hmget",
  "hgetall", "hkeys", "hvals", "hlen", "hexists", "lrange", "llen", "lindex", "smembers", "scard", "sismember", "zrange",
  "zrangebyscore", "zrevrange", "zcard", "zscore", "zrank", "dbsize", "strlen", "getrange", "echo", "time", "lastsave",
  "role", "xrange", "xrevrange", "xlen", "xinfo", "object", "memory", "slowlog", "client", "pubsub", "command", "latency",
]);

function redisCli(args: string[], env: Env): void {
  const positionals: string[] = [];
  let scanMode = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("--")) {
      if (arg === "--eval") {
        unclassified(env, `a Lua script on Redis (${quoteName(`redis-cli --eval ${args[i + 1] ?? ""}`.trim())})`);
        return;
      }
      if (arg === "--cluster") {
        unclassified(env, quoteName("redis-cli --cluster"));
        return;
      }
      if (["--scan", "--bigkeys", "--memkeys", "--hotkeys", "--stat", "--latency", "--latency-history", "--latency-dist", "--rdb", "--functions-rdb"].includes(arg)) scanMode = true;
      if (!arg.includes("=") && REDIS_VALUE_LONG.includes(arg)) i++;
      continue;
    }
    if (/^-[A-Za-z]$/.test(arg)) {
      if (REDIS_VALUE_SHORT.includes(arg[1]!)) i++;
      continue;
    }
    positionals.push(arg);
  }
  const commandLines: string[][] = [];
  if (positionals.length > 0) commandLines.push(positionals);
  else if (!scanMode) {
    const text = stdinText(env.stdin);
    if (text === null) {
      unclassified(env, env.stdin ? "Redis commands piped into redis-cli, which Countersign cannot see" : "an interactive redis-cli session");
      return;
    }
    for (const line of text.split("\n")) if (line.trim() !== "") commandLines.push(line.trim().split(/\s+/));
  }
  for (const line of commandLines) {
    const name = line[0]!.toLowerCase();
    if (name === "flushall" || name === "flushdb") {
      add(env, "shell.redis_flush", "critical", `Deletes every key ${name === "flushall" ? "in every Redis database" : "in the selected Redis database"} (${name.toUpperCase()})`);
    } else if (name === "config" && line[1]?.toLowerCase() === "get") {
      continue;
    } else if (!REDIS_READS.has(name)) {
      unclassified(env, `the Redis command ${quoteName(name.toUpperCase())}`);
    }
  }
}

// curl and wget --------------------------------------------------------------------------------

const CURL_VALUE_SHORT = "XdFHoueAbcEKmrTwxyzCYPQt";
const CURL_DATA = ["--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode", "--json", "-d"];

function curl(args: string[], env: Env): void {
  let method: string | undefined;
  let head = false;
  let get = false;
  const data: string[] = [];
  let json = false;
  let upload = false;
  let form = false;
  const urls: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("--")) {
      const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
      if (name === "--request") method = inline ?? args[++i];
      else if (CURL_DATA.includes(name)) {
        data.push(inline ?? args[++i] ?? "");
        if (name === "--json") json = true;
      } else if (name === "--form" || name === "--form-string") {
        form = true;
        i++;
      } else if (name === "--upload-file") {
        upload = true;
        i++;
      } else if (name === "--head") head = true;
      else if (name === "--get") get = true;
      else if (name === "--url") urls.push(inline ?? args[++i] ?? "");
      else if (inline === undefined && CURL_LONG_VALUES.has(name)) i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j]!;
        if (flag === "I") head = true;
        if (flag === "G") get = true;
        if (CURL_VALUE_SHORT.includes(flag)) {
          const value = j < arg.length - 1 ? arg.slice(j + 1) : args[++i] ?? "";
          if (flag === "X") method = value;
          if (flag === "d") data.push(value);
          if (flag === "F") form = true;
          if (flag === "T") upload = true;
          break;
        }
      }
      continue;
    }
    urls.push(arg);
  }
  const resolved = method ?? (head ? "HEAD" : get ? "GET" : upload ? "PUT" : data.length > 0 || form ? "POST" : "GET");
  classifyHttpCommand("curl", resolved, urls, get ? undefined : data.length > 0 ? joinData(data, json) : undefined, env, form || upload);
}

const CURL_LONG_VALUES = new Set(["--header", "--output", "--user", "--user-agent", "--referer", "--cookie", "--cookie-jar", "--max-time", "--connect-timeout", "--retry", "--cacert", "--cert", "--key", "--proxy", "--resolve", "--write-out", "--config", "--oauth2-bearer", "--aws-sigv4", "--limit-rate", "--range", "--output-dir"]);

function wget(args: string[], env: Env): void {
  let method: string | undefined;
  let body: string | undefined;
  const urls: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (name === "--method") method = inline ?? args[++i];
    else if (name === "--post-data" || name === "--body-data") {
      body = inline ?? args[++i];
      method ??= name === "--post-data" ? "POST" : undefined;
    } else if (name === "--post-file" || name === "--body-file") {
      method ??= "POST";
      i += inline === undefined ? 1 : 0;
    } else if (/^-[OoPaiBeUTtw]$/.test(arg) || (arg.startsWith("--") && inline === undefined && ["--output-document", "--header", "--user", "--password", "--user-agent", "--directory-prefix"].includes(arg))) i++;
    else if (!arg.startsWith("-")) urls.push(arg);
  }
  classifyHttpCommand("wget", method ?? "GET", urls, body, env, false);
}

function joinData(data: string[], json: boolean): unknown {
  const text = data.join(json ? "" : "&");
  return text.startsWith("@") ? undefined : text;
}

function classifyHttpCommand(program: string, method: string, urls: string[], body: unknown, env: Env, opaqueBody: boolean): void {
  const targets = urls.filter((u) => /^https?:\/\//i.test(u));
  if (targets.length === 0) {
    if (method.toUpperCase() !== "GET" || urls.length > 0) unclassified(env, `${quoteName(program)} with a URL Countersign cannot read`);
    return;
  }
  for (const url of targets) {
    const assessment = assessHttp({ method, url, body });
    merge(env, assessment);
    if (opaqueBody && assessment.findings.length === 0 && method.toUpperCase() !== "GET") {
      add(env, "http.unclassified_write", "high", `Sends a ${method.toUpperCase()} request with ${program}, uploading data`);
    }
  }
}

// cloud CLIs -----------------------------------------------------------------------------------

function classifyCli(spec: CliSpec, program: string, raw: string[], env: Env): void {
  const args = cliArgs(spec, raw);
  // Platform CLIs that run a local command with the platform's credentials.
  if ((program === "railway" || program === "heroku") && args.positionals[0] === "run") {
    const index = raw.indexOf("run");
    const inner = raw.slice(index + 1);
    const start = inner[0] === "--" ? 1 : firstOperand(inner, program === "heroku" ? "aresx" : "se", ["--app", "--remote", "--size", "--env", "--service", "--environment", "--type"]);
    classifyArgv(inner.slice(start).map((text) => ({ text, expanded: false, quoted: true })), env);
    return;
  }
  const matched = spec.rules.filter((rule) => ruleMatches(rule, args.positionals) && (rule.when?.(args) ?? true));
  if (matched.length > 0) {
    const shown = `${program} ${args.positionals.slice(0, 4).join(" ")}`.trim();
    for (const rule of matched) add(env, rule.id, rule.level, `${rule.what} (${quoteName(shown)})`);
    return;
  }
  if (spec.isRead(args.positionals)) return;
  unclassified(env, quoteName(`${program} ${args.positionals.slice(0, 3).join(" ")}`.trim()));
}
