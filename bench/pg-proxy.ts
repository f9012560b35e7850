// The PostgreSQL proxy's added latency: a simple SELECT from node-postgres through the proxy (a
// Countersign request per statement: policy, grant minted and redeemed, a fresh executor
// connection, outcome recorded — on the embedded database) against the same SELECT on a direct
// connection to the same database. Prints medians, p95 and their ratio, with the machine's load.
// Needs PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (a scratch database is created and
// dropped). Run: npx tsx bench/pg-proxy.ts [iterations]
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openEmbedded } from "../lib/db";
import { loadConfig, setConfig } from "../lib/env";
import { loadRiskEngine } from "../lib/risk";
import { prepareDatabase } from "../lib/server/bootstrap";
import { createAgent } from "../lib/agents";
import { registerResource } from "../lib/resources";
import { startPgProxy } from "../lib/proxy/pg";

const iterations = Math.min(2_000, Math.max(20, Number(process.argv[2] ?? 200)));
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
// The benchmark's own configuration, like the tests' TEST_DATABASE_URL.
const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

const admin = new pg.Client({ connectionString: serverUrl });
try {
  await admin.connect();
} catch {
  console.log("pg proxy: skipped — no PostgreSQL at BENCH_DATABASE_URL / TEST_DATABASE_URL");
  process.exit(0);
}
const name = `countersign_bench_${randomBytes(4).toString("hex")}`;
await admin.query(`CREATE DATABASE ${name}`);
const targetUrl = new URL(serverUrl);
targetUrl.pathname = `/${name}`;

await loadRiskEngine();
const database = await openEmbedded(undefined, { migrate: true });
const cfg = loadConfig({ COUNTERSIGN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "cs-bench-")), AUTH_SECRET: randomBytes(32).toString("base64url"), LOG_LEVEL: "silent" });
setConfig(cfg);
const direct = new pg.Client({ connectionString: targetUrl.toString() });
let viaProxy: pg.Client | undefined;
const proxy = await startPgProxy(database, cfg, { port: 0, host: "127.0.0.1", tls: undefined, waitSeconds: 60, maxRows: 10_000 });
try {
  await prepareDatabase(database.prisma, cfg);
  const caller = await createAgent(database.prisma, { name: "bench-pg-proxy", environments: ["staging"] }, { type: "system" });
  await registerResource(database.prisma, cfg, { name: "postgres/bench", environment: "staging", connectionUrl: targetUrl.toString() }, { type: "system" });
  await direct.connect();
  await direct.query("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
  viaProxy = new pg.Client({ host: "127.0.0.1", port: proxy.port, user: "bench", password: caller.plaintext, database: "postgres/bench" });
  await viaProxy.connect();

  const sql = "SELECT id, name FROM items WHERE id = 42";
  const time = async (client: pg.Client) => {
    const started = performance.now();
    const { rows } = await client.query(sql);
    if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 10; i++) {
    await time(direct);
    await time(viaProxy);
  }
  const directTimes: number[] = [];
  const proxyTimes: number[] = [];
  for (let i = 0; i < iterations; i++) {
    directTimes.push(await time(direct));
    proxyTimes.push(await time(viaProxy));
  }
  const [d50, p50] = [percentile(directTimes, 50), percentile(proxyTimes, 50)];
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores; ${iterations} SELECTs each way`);
  console.log(`direct PostgreSQL: median ${d50.toFixed(2)} ms, p95 ${percentile(directTimes, 95).toFixed(2)} ms`);
  console.log(`via the proxy:     median ${p50.toFixed(2)} ms, p95 ${percentile(proxyTimes, 95).toFixed(2)} ms (embedded database)`);
  console.log(`proxy / direct: ${(p50 / d50).toFixed(1)}× the median; added ${(p50 - d50).toFixed(2)} ms per allowed statement`);
} finally {
  await viaProxy?.end().catch(() => undefined);
  await direct.end().catch(() => undefined);
  await proxy.close();
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
