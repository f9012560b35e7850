// Start-up of the command-line programs: the median wall time of `--help` for each (the admin CLI,
// `countersign`, the stdio MCP bridge), run as `npm run cli` / `npx countersign` / `npm run mcp`
// run them but without npm's own start-up, beside a bare `node -e 0` measured in the same run,
// with the machine's load. Target: each under 300 ms.
//   npx tsx bench/cli-start.ts [runs]
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";

const TARGET_MS = 300;
const runs = Math.max(3, Number(process.argv[2] ?? 15));
const root = path.resolve(import.meta.dirname, "..");

const programs: Array<{ label: string; args: string[] }> = [
  { label: "node -e 0 (baseline)", args: ["-e", "0"] },
  { label: "admin CLI --help", args: [path.join(root, "scripts/cli.mjs"), "--help"] },
  { label: "countersign --help", args: [path.join(root, "bin/countersign.mjs"), "--help"] },
  { label: "MCP bridge --help", args: [path.join(root, "scripts/mcp.mjs"), "--help"] },
];

function timeOnce(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores; ${runs} runs each, interleaved`);
// The first start of a stale program compiles it: not what is measured.
for (const program of programs) timeOnce(program.args);
const times = programs.map(() => [] as number[]);
for (let i = 0; i < runs; i++) programs.forEach((program, p) => times[p]!.push(timeOnce(program.args)));

const baseline = median(times[0]!);
let over = 0;
for (const [p, program] of programs.entries()) {
  const ms = median(times[p]!);
  const verdict = p === 0 ? "" : ms <= TARGET_MS ? `  ≤ ${TARGET_MS} ms target: met` : `  ≤ ${TARGET_MS} ms target: MISSED`;
  if (p > 0 && ms > TARGET_MS) over++;
  console.log(`${program.label.padEnd(22)} median ${ms.toFixed(0).padStart(5)} ms  ×${(ms / baseline).toFixed(1)} baseline${verdict}`);
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} after`);
if (over) console.log(`${over} program(s) over the ${TARGET_MS} ms target`);
