// Long-poll at scale: thousands of agents waiting at once must not mean thousands of database
// connections or polling queries. Prints wake-up latency after each decision, memory, and (on
// PostgreSQL) the connections held while everyone waits.
//   npx tsx bench/long-poll.ts [waiters] [postgresql://… database to create a scratch db on]
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openEmbedded, openPostgres, type Database } from "../lib/db";
import { loadConfig } from "../lib/env";
import { loadRiskEngine } from "../lib/risk";
import { prepareDatabase } from "../lib/server/bootstrap";
import { createAgent } from "../lib/agents";
import { createUser } from "../lib/users";
import { createRequest, decideRequest, waitForDecision, requestEvents } from "../lib/requests";
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";

const waiters = Number(process.argv[2] ?? 2000);
const adminUrl = process.argv[3];

async function open(): Promise<{ database: Database; connections(): Promise<number | null>; drop(): Promise<void> }> {
  if (!adminUrl) {
    const database = await openEmbedded(undefined, { migrate: true });
    return { database, connections: async () => null, drop: () => database.close() };
  }
  const name = `countersign_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString(), { migrate: true });
  return {
    database,
    connections: async () => Number((await admin.query(`SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, [name])).rows[0].count),
    async drop() {
      await database.close();
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

const percentile = (values: number[], p: number) => values.sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

await loadRiskEngine();
const { database, connections, drop } = await open();
const cfg = loadConfig({ COUNTERSIGN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "cs-bench-")), AUTH_SECRET: randomBytes(32).toString("base64url"), LOG_LEVEL: "silent" });
try {
  await prepareDatabase(database.prisma, cfg);
  const { agent, key } = await createAgent(database.prisma, { name: "bench-bot", environments: ["staging"] }, { type: "system" });
  const reviewer = await createUser(database.prisma, { email: "bench@example.com", role: "approver" }, { type: "system" });
  // High-risk requests approved one by one: each needs a person in staging, and neither high risk
  // nor an approval counts toward the circuit breaker, which would quarantine a bot sending
  // thousands of critical or denied requests (as it should).
  const ids: string[] = [];
  const createStart = performance.now();
  for (let i = 0; i < waiters; i++) {
    const { view } = await createRequest(database.prisma, cfg, {
      caller: { agent, key },
      body: { operation: { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: `DROP INDEX i_${i}` }, ttlSeconds: 900 },
    });
    ids.push(view.id);
  }
  const createMs = performance.now() - createStart;
  const rssBefore = process.memoryUsage().rss;
  const wokenAt = new Map<string, number>();
  const waits = ids.map((id) => waitForDecision(database, cfg, agent.id, id, 60).then((v) => wokenAt.set(id, performance.now()) && v));
  await new Promise((r) => setTimeout(r, 1_000));
  const rssWaiting = process.memoryUsage().rss;
  const conns = await connections();
  const hub = requestEvents(database);
  console.log(`waiters:              ${hub.waiting} (holding no database connection each)`);
  if (conns !== null) console.log(`db connections:       ${conns} while ${hub.waiting} agents wait (pool + one LISTEN)`);
  console.log(`memory while waiting: +${((rssWaiting - rssBefore) / 1024 / 1024).toFixed(1)} MiB for ${waiters} waiters`);

  const decidedAt = new Map<string, number>();
  const decideStart = performance.now();
  for (const id of ids) {
    await decideRequest(database.prisma, cfg, { requestId: id, reviewerId: reviewer.id, decision: { decision: "approve" } });
    decidedAt.set(id, performance.now());
  }
  const decideMs = performance.now() - decideStart;
  const views = await Promise.all(waits);
  const latencies = ids.map((id) => wokenAt.get(id)! - decidedAt.get(id)!);
  console.log(`all woken approved:   ${views.every((v) => v.status === "approved")}`);
  console.log(`wake latency:         median ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
  console.log(`create:               ${(createMs / waiters).toFixed(2)} ms per request; decide: ${(decideMs / waiters).toFixed(2)} ms per decision`);
  await hub.stop();
} finally {
  await drop();
}
