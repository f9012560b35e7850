import { describe, expect, it } from "vitest";
import { parseShell, ShellSyntaxError } from "./shell-parse";

const argv = (source: string) => parseShell(source).commands.map((c) => c.words.map((w) => w.text));

describe("parseShell", () => {
  it.each([
    ["cd x && rm -rf /", [["cd", "x"], ["rm", "-rf", "/"]]],
    ["a || b; c & d\ne", [["a"], ["b"], ["c"], ["d"], ["e"]]],
    ["a | b |& c", [["a"], ["b"], ["c"]]],
    ["echo 'a b' \"c d\" e\\ f", [["echo", "a b", "c d", "e f"]]],
    ['echo "a \\"quoted\\" \\$HOME"', [["echo", 'a "quoted" $HOME']]],
    ["echo $'tab\\there'", [["echo", "tab\there"]]],
    ["ls # rm -rf /", [["ls"]]],
    ["echo a#b", [["echo", "a#b"]]],
    ["long \\\n  line", [["long", "line"]]],
    ["(cd /tmp && rm -rf x) || true", [["cd", "/tmp"], ["rm", "-rf", "x"], ["true"]]],
    ["{ a; b; }", [["{", "a"], ["b"], ["}"]]],
    ["X=1 Y='two words' cmd", [["X=1", "Y=two words", "cmd"]]],
    ["f() { rm -rf /; }; f", [["{", "rm", "-rf", "/"], ["}"], ["f"]]],
    ["(( i++ )) && echo", [["(( i++ ))"], ["echo"]]],
    ["case $x in a) rm -rf /;; esac", [["case", "$x", "in", "a"], ["rm", "-rf", "/"], ["esac"]]],
  ])("splits %j", (source, expected) => {
    expect(argv(source)).toEqual(expected);
  });

  it("marks expanded words", () => {
    const [command] = parseShell('rm -rf "$DIR/" plain').commands;
    expect(command?.words.map((w) => [w.text, w.expanded])).toEqual([
      ["rm", false],
      ["-rf", false],
      ["$DIR/", true],
      ["plain", false],
    ]);
  });

  it("collects command and process substitutions, including quoted ones", () => {
    const parsed = parseShell('echo "$(dropdb prod)" `rm -rf /` $(echo $(whoami)) <(ls a) ${X:-$(id)}');
    // A nested substitution stays inside its parent's text; it is found when that text is parsed.
    expect(parsed.substitutions).toEqual(["dropdb prod", "rm -rf /", "echo $(whoami)", "ls a", "id"]);
  });

  it("does not collect substitutions inside single quotes", () => {
    expect(parseShell("echo '$(rm -rf /)'").substitutions).toEqual([]);
  });

  it("reads redirections and their targets", () => {
    const [command] = parseShell("cmd 2>/dev/null >out.txt 2>&1 &>>all.log <in.txt").commands;
    expect(command?.redirects.map((r) => [r.op, r.target.text])).toEqual([
      [">", "/dev/null"],
      [">", "out.txt"],
      [">&", "1"],
      ["&>>", "all.log"],
      ["<", "in.txt"],
    ]);
    expect(command?.stdin).toEqual({ kind: "file", path: "in.txt" });
  });

  it("gives a piped command the previous command as stdin", () => {
    const [echo, psql] = parseShell('echo "DROP TABLE x" | psql').commands;
    expect(psql?.stdin).toEqual({ kind: "command", command: echo });
  });

  it("reads here-documents and here-strings as stdin", () => {
    const [psql, next] = parseShell("psql <<'SQL'\nDROP TABLE x;\nSQL\necho done").commands;
    expect(psql?.stdin).toEqual({ kind: "text", text: "DROP TABLE x;\n" });
    expect(next?.words.map((w) => w.text)).toEqual(["echo", "done"]);
    const [tabbed] = parseShell("psql <<-EOF\n\tSELECT 1;\n\tEOF\n").commands;
    expect(tabbed?.stdin).toEqual({ kind: "text", text: "SELECT 1;\n" });
    const [redis] = parseShell("redis-cli <<< 'FLUSHALL'").commands;
    expect(redis?.stdin).toEqual({ kind: "text", text: "FLUSHALL\n" });
  });

  it("collects substitutions from unquoted here-documents only", () => {
    expect(parseShell("cat <<EOF\n$(rm -rf /)\nEOF").substitutions).toEqual(["rm -rf /"]);
    expect(parseShell("cat <<'EOF'\n$(rm -rf /)\nEOF").substitutions).toEqual([]);
  });

  it("records function names", () => {
    expect(parseShell("cleanup() { rm -rf ./tmp; }").functions).toEqual(["cleanup"]);
  });

  it.each([["echo 'unterminated"], ['echo "unterminated'], ["echo $(unterminated"], ["echo `unterminated"], ["cat >"]])("refuses %j", (source) => {
    expect(() => parseShell(source)).toThrow(ShellSyntaxError);
  });
});
