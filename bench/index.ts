// `npm run bench`: every benchmark in turn, each printing its figures.
import { spawnSync } from "node:child_process";
import path from "node:path";

const benches: Array<{ file: string; conditions?: boolean }> = [
  { file: "cli-start.ts" },
  { file: "risk.ts" },
  { file: "grant-verify.ts" },
  { file: "blast-radius.ts" },
  { file: "http-broker.ts" },
  { file: "mcp-gateway.ts", conditions: true },
  { file: "pg-proxy.ts" },
  { file: "long-poll.ts" },
  { file: "intake.ts" },
  { file: "waiters.ts" },
  { file: "inbox.ts", conditions: true },
];
let failed = 0;
for (const bench of benches) {
  console.log(`\n== bench/${bench.file}`);
  const args = [...(bench.conditions ? ["--conditions=react-server"] : []), "--import", "tsx", path.join(import.meta.dirname, bench.file)];
  const result = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
