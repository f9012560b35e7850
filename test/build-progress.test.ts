// The first start's build says what it is doing while it does it: each line next build prints is
// passed on at once (colours and spinners removed), and a quiet stretch gets a "still building" line.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
// @ts-expect-error — plain ESM script shared with `npm start`
import { runBuild } from "../scripts/ensure-build.mjs";

const dir = mkdtempSync(path.join(tmpdir(), "cs-build-"));
const script = path.join(dir, "fake-build.mjs");
// Prints a step, waits for the test to have seen it, then is quiet long enough for heartbeats.
writeFileSync(
  script,
  `import { existsSync } from "node:fs";
process.stdout.write("\\u001b[1mCreating an optimized production build ...\\u001b[22m\\n");
while (!existsSync(process.argv[2])) await new Promise((r) => setTimeout(r, 20));
process.stdout.write("Generating static pages (0/3)\\rGenerating static pages (3/3)\\n");
await new Promise((r) => setTimeout(r, 600));
process.exit(Number(process.argv[3]));
`,
);

afterEach(() => vi.restoreAllMocks());

function captureLog(): Array<{ msg: string; level: string }> {
  const lines: Array<{ msg: string; level: string }> = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(JSON.parse(String(chunk)));
    return true;
  });
  return lines;
}

describe("build progress", () => {
  it("passes each line on while the build runs, and says it is still going when it is quiet", async () => {
    const lines = captureLog();
    const seen = path.join(dir, "seen-1");
    const done = runBuild([script, seen, "0"], { heartbeatMs: 150 });
    // The first line arrives while the build is still running (it waits for this file).
    await vi.waitFor(() => expect(lines.map((l) => l.msg)).toContain("Creating an optimized production build ..."), { timeout: 20_000 });
    writeFileSync(seen, "");
    await done;
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain("Generating static pages (3/3)");
    expect(messages.some((m) => /^still building the app \(\d+ s so far; last step: Generating static pages \(3\/3\)\)$/.test(m))).toBe(true);
    expect(messages.at(-1)).toMatch(/^app built in \d+ s$/);
    expect(messages.join("\n")).not.toMatch(/\u001b|\r/);
  });

  it("fails with the build's exit code", async () => {
    captureLog();
    const seen = path.join(dir, "seen-2");
    writeFileSync(seen, "");
    await expect(runBuild([script, seen, "3"], { heartbeatMs: 1000 })).rejects.toThrow("next build failed (exit 3)");
  });
});
