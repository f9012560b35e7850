// The measurement of a cascaded delete: three tables of 100,000 rows each, chained by ON DELETE
// CASCADE (customers ← orders ← order_items), a DELETE on the first that reaches a third of it.
// Prints the dry run's wall time (median and worst of the runs) against its 10 s budget, and the
// rows it counted. Needs PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (a scratch database
// is created and dropped). Run: npx tsx bench/blast-radius.ts [runs]
import { randomBytes } from "node:crypto";
import pg from "pg";
import { loadRiskEngine } from "../lib/risk";
import { DRY_RUN_BUDGET_MS, dryRunSql } from "../lib/executor/dry-run";

const ROWS = 100_000;
const runs = Math.max(1, Number(process.argv[2] ?? 7));
// The benchmark's own configuration, like the tests' TEST_DATABASE_URL.
const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

const name = `countersign_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: serverUrl });
try {
  await admin.connect();
} catch {
  console.log(`blast radius: skipped — no PostgreSQL at BENCH_DATABASE_URL / TEST_DATABASE_URL`);
  process.exit(0);
}
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const db = new pg.Client({ connectionString: url.toString() });
try {
  await db.connect();
  const seeded = performance.now();
  await db.query(`
    CREATE TABLE customers (id int PRIMARY KEY, region int NOT NULL);
    INSERT INTO customers SELECT g, g % 3 FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers ON DELETE CASCADE, total int);
    INSERT INTO orders SELECT g, g, g FROM generate_series(1, ${ROWS}) g;
    CREATE INDEX ON orders (customer_id);
    CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL REFERENCES orders ON DELETE CASCADE, sku text);
    INSERT INTO order_items SELECT g, g, 'sku-' || g FROM generate_series(1, ${ROWS}) g;
    CREATE INDEX ON order_items (order_id);
    ANALYZE;
  `);
  console.log(`seeded 3 tables × ${ROWS.toLocaleString("en-US")} rows in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  await loadRiskEngine();
  const sql = "DELETE FROM customers WHERE region = 0";
  const times: number[] = [];
  let sentence = "";
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const dryRun = await dryRunSql(url.toString(), sql);
    times.push(performance.now() - started);
    sentence = dryRun.sentence;
  }
  times.sort((a, b) => a - b);
  console.log(`statement: ${sql}`);
  console.log(`measured: ${sentence}`);
  console.log(
    `dry run with cascades (${runs} runs): median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, worst ${times[times.length - 1]!.toFixed(0)} ms; budget ${DRY_RUN_BUDGET_MS / 1000} s`,
  );
} finally {
  await db.end().catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
