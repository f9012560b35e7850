// Thousands of agents long-polling one instance: the server's memory while they wait and after,
// how late each is answered past its `wait`, and /api/health's latency during the burst that opens
// them, beside the same probe on the idle server measured in this run. The same burst, opened the
// same way by this process, then goes to a bare node:http server that only holds each call and
// answers it at its wait (bench/baseline/long-poll-server.ts): its memory per connection and its
// lateness are what the machine and Node's HTTP server cost any server.
//   npx tsx bench/waiters.ts [waiters=5000] [postgresql://… admin URL to create a scratch database]
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import os from "node:os";
import pg from "pg";
import { openPostgres } from "../lib/db";
import { loadConfig } from "../lib/env";
import { loadRiskEngine } from "../lib/risk";
import { createAgent, type AuthenticatedAgent } from "../lib/agents";
import { createRequest } from "../lib/requests";
import { startApp } from "../test/app-server";
// @ts-expect-error — plain ESM script shared with `npm start`
import { ensureBuild } from "../scripts/ensure-build.mjs";

const WAITERS = Number(process.argv[2] ?? 5000);
const ADMIN_URL = process.argv[3] ?? process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const WAIT_SECONDS = 20;
// Each key may send 600 requests a minute: enough agents that none is throttled.
const PER_AGENT = 250;
const OPEN_WAVE = 500;
const OPEN_WAVE_MS = 100;
const TARGET_RSS_MIB = 500;
const TARGET_HEALTH_P99_MS = 100;
const TARGET_LATE_P99_MS = 1000;
// V8 gives a burst's garbage back to the system once the allocation has calmed (its memory reducer,
// some 20 s after, for Countersign and the bare server alike): RSS is watched for a minute.
const RETURN_WATCH_S = 60;
/** Back to within 10% (or 30 MiB) of the idle RSS. */
const returned = (rss: number, idle: number) => rss <= Math.max(idle * 1.1, idle + 30);

const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
const verdict = (ok: boolean) => (ok ? "met" : "NOT MET");

function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", () => resolve(0));
  });
}

async function probeHealth(url: string, until: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (!until()) {
    const started = performance.now();
    await get(`${url}/api/health`);
    times.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
  return times;
}

await ensureBuild();
await loadRiskEngine();
const name = `countersign_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
const database = await openPostgres(databaseUrl, { migrate: true });
const app = await startApp({ databaseUrl, env: { LOG_LEVEL: "warn" } });
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${app.process.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
try {
  const cfg = loadConfig({ DATABASE_URL: databaseUrl, AUTH_SECRET: "bench-secret-for-a-scratch-database-0123456789", LOG_LEVEL: "silent" });
  // The requests are made here, on the database, so the server's memory is its waiters' alone.
  const agents: Array<{ caller: AuthenticatedAgent; key: string }> = [];
  for (let i = 0; i < Math.ceil(WAITERS / PER_AGENT); i++) {
    const { agent, key, plaintext } = await createAgent(database.prisma, { name: `bench-${i}`, environments: ["production"] }, { type: "system" });
    agents.push({ caller: { agent, key }, key: plaintext });
  }
  const polls: Array<{ id: string; key: string }> = [];
  for (let i = 0; i < WAITERS; i++) {
    const { caller, key } = agents[Math.floor(i / PER_AGENT)];
    const { view } = await createRequest(database.prisma, cfg, {
      caller,
      body: { operation: { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: `DROP INDEX bench_${i}` }, ttlSeconds: 900 },
    });
    polls.push({ id: view.id, key });
  }

  let idleDone = false;
  const idleProbe = probeHealth(app.url, () => idleDone);
  await new Promise((r) => setTimeout(r, 3_000));
  idleDone = true;
  const idleHealth = await idleProbe;

  const countersign = await burst(app.url, rssMiB, polls, true);
  const rssIdle = countersign.rssIdle;
  const { peak, rssAfter, returnedAfter, late, statuses } = countersign;

  // The bare baseline, after Countersign's server has let its waiters go.
  const bare = await startBare();
  const bareRss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${bare.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  const baseline = await burst(bare.url, bareRss, polls, false).finally(() => bare.stop());

  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`answers: ${[...statuses].map(([s, n]) => `${n}× ${s}`).join(", ")}${statuses.get(200) === WAITERS ? "" : "  <-- NOT ALL 200"} · bare baseline: ${[...baseline.statuses].map(([s, n]) => `${n}× ${s}`).join(", ")}`);
  console.log(`| figure | Countersign | baseline | ratio | target | |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  console.log(`| server RSS, ${WAITERS} long-polls waiting | ${peak.toFixed(0)} MiB (+${perWaiter(countersign).toFixed(1)} KiB a waiter over ${rssIdle.toFixed(0)} idle) | bare: ${baseline.peak.toFixed(0)} MiB (+${perWaiter(baseline).toFixed(1)} KiB a waiter) | ${(perWaiter(countersign) / perWaiter(baseline)).toFixed(1)}× a waiter | ≤ ${TARGET_RSS_MIB} MiB | ${verdict(peak <= TARGET_RSS_MIB)} |`);
  const after = (r: BurstResult) => `${r.rssAfter.toFixed(0)} MiB (idle ${r.rssIdle.toFixed(0)}), ${r.returnedAfter === null ? `not back within ${RETURN_WATCH_S} s` : `back ${r.returnedAfter} s after`}`;
  console.log(`| server RSS after they were answered | ${after(countersign)} | bare: ${after(baseline)} | ${(rssAfter / rssIdle).toFixed(2)}× idle | returned within ${RETURN_WATCH_S} s | ${verdict(returnedAfter !== null)} |`);
  const p99Idle = pct(idleHealth, 99);
  const p99Burst = pct(countersign.health, 99);
  console.log(`| /api/health p99 during the burst (${countersign.health.length} probes) | ${p99Burst.toFixed(1)} ms | ${p99Idle.toFixed(1)} ms idle | ${(p99Burst / p99Idle).toFixed(1)}× | ≤ ${TARGET_HEALTH_P99_MS} ms | ${verdict(p99Burst <= TARGET_HEALTH_P99_MS)} |`);
  console.log(`| answered past its wait=${WAIT_SECONDS}, p50 / p99 | ${pct(late, 50).toFixed(0)} / ${pct(late, 99).toFixed(0)} ms | bare: ${pct(baseline.late, 50).toFixed(0)} / ${pct(baseline.late, 99).toFixed(0)} ms | — | p99 ≤ ${TARGET_LATE_P99_MS} ms | ${verdict(pct(late, 99) <= TARGET_LATE_P99_MS)} |`);
} finally {
  await app.stop();
  await database.close();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}

interface BurstResult {
  rssIdle: number;
  peak: number;
  rssAfter: number;
  /** Seconds after the last answer until RSS was back near idle; null if not within RETURN_WATCH_S. */
  returnedAfter: number | null;
  late: number[];
  statuses: Map<number, number>;
  health: number[];
}

function perWaiter(result: BurstResult): number {
  return ((result.peak - result.rssIdle) * 1024) / WAITERS;
}

/**
 * Opens one long-poll per entry of `polls` on `baseUrl`, as fast as a fleet reconnecting would —
 * 500 every 100 ms (5,000 a second); all at once they would overflow the kernel's accept queue
 * (net.core.somaxconn) and wait on SYN retries — and waits for every answer. Samples the server's
 * RSS while they wait, and after until it is back near idle (for up to RETURN_WATCH_S); with
 * `probe`, times /api/health meanwhile.
 */
async function burst(baseUrl: string, rss: () => number, polls: Array<{ id: string; key: string }>, probe: boolean): Promise<BurstResult> {
  const rssIdle = rss();
  let burstDone = false;
  const burstProbe = probe ? probeHealth(baseUrl, () => burstDone) : Promise.resolve([]);
  let peak = rssIdle;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 200);
  const late: number[] = [];
  const statuses = new Map<number, number>();
  await Promise.all(
    polls.map(async ({ id, key }, i) => {
      await new Promise((r) => setTimeout(r, Math.floor(i / OPEN_WAVE) * OPEN_WAVE_MS));
      const sent = performance.now();
      const status = await get(`${baseUrl}/api/v1/requests/${id}?wait=${WAIT_SECONDS}`, { authorization: `Bearer ${key}` });
      late.push(performance.now() - sent - WAIT_SECONDS * 1000);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }),
  );
  clearInterval(sampler);
  burstDone = true;
  const health = await burstProbe;
  let returnedAfter: number | null = null;
  for (let s = 1; s <= RETURN_WATCH_S && returnedAfter === null; s++) {
    await new Promise((r) => setTimeout(r, 1_000));
    if (returned(rss(), rssIdle)) returnedAfter = s;
  }
  return { rssIdle, peak, rssAfter: rss(), returnedAfter, late, statuses, health };
}

/** The bare baseline as its own process, like Countersign's server. */
async function startBare(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "baseline/long-poll-server.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`baseline server exited (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url: `http://127.0.0.1:${JSON.parse(line).port}`,
    pid: child.pid!,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
