// Taking agents' requests, measured side by side with baselines in the same run: the real server
// (`next build` output, PostgreSQL) against a bare node:http + pg server doing the same essential
// work (bench/baseline/intake-server.ts), in alternating short rounds so machine noise falls on
// both; database round trips per create counted on the wire for both; 16 parallel creates from 4
// agents; and the wake-up of an agent long-polling on one instance after a decision recorded
// elsewhere, against a raw LISTEN/NOTIFY round trip. Prints a table of figure, baseline, ratio and
// target. Targets live here, in the output, never in timed tests.
// Needs PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (scratch databases are created and
// dropped). Builds the app first when the build is missing or stale.
//   npx tsx bench/intake.ts [round seconds = 2] [rounds = 3] [wake-up samples = 80]
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import pg from "pg";
import { openPostgres, type Database } from "../lib/db";
import { loadConfig } from "../lib/env";
import { createAgent } from "../lib/agents";
import { createUser } from "../lib/users";
import { decideRequest } from "../lib/requests";
import { freePort, startApp, type AppServer } from "../test/app-server";
// @ts-expect-error — plain ESM script shared with `npm start`
import { ensureBuild } from "../scripts/ensure-build.mjs";
import { prepareBaselineDatabase } from "./baseline/intake-server";
import { startWireCounter, type WireCounter } from "./wire-counter";

const roundMs = Math.max(500, Number(process.argv[2] ?? 2) * 1000);
const rounds = Math.max(1, Number(process.argv[3] ?? 3));
const wakeSamples = Math.max(50, Number(process.argv[4] ?? 80));
const CONCURRENCY = [1, 16, 64];
// Each key may send 600 requests a minute (lib/http/with-agent.ts): spread the load over enough
// agents that the limiter never answers 429 at these rates.
const AGENTS = 64;
// Creates counted on the wire, one at a time: this many of each operation.
const COUNTED_CREATES = 20;
// The agent must be waiting (subscribed) before the decision: how long to leave its GET alone.
const SUBSCRIBE_GRACE_MS = 100;
const TARGETS = { throughputRatio: 0.5, roundTrips: 10, wakeP99Ms: 50 };

const root = path.resolve(import.meta.dirname, "..");
// The benchmark's own configuration, like the tests' TEST_DATABASE_URL.
const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const AUTH_SECRET = randomBytes(32).toString("base64url");

// The operations agents send, in turn. Under the default policy: a SELECT in staging is low risk
// and allowed at once (a grant is signed); an UPDATE in production is medium and waits for one
// approval; DROP INDEX in staging is high and waits for one. None is critical or denied, so the
// circuit breaker, which would rightly quarantine a bot sending thousands of those, stays out.
const OPERATIONS = [
  { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "SELECT id, total FROM orders WHERE id = 42" },
  { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "UPDATE orders SET status = 'shipped' WHERE id = 42" },
  { kind: "sql", target: { environment: "staging", resource: "postgres/main" }, sql: "DROP INDEX orders_created_idx" },
];
const EXPECTED_STATUS = ["approved", "pending", "pending"];
const body = (operation: object) =>
  Buffer.from(JSON.stringify({ operation, summary: "Look at order 42", context: { reasoning: "The customer asked where their order is." }, ttlSeconds: 900 }));
const BODIES = OPERATIONS.map(body);
const PENDING_BODY = BODIES[2]!;

// ---- HTTP client: lean node:http on keep-alive sockets, so the load generator costs both sides alike

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(port: number, method: string, urlPath: string, key: string, payload?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path: urlPath, agent: keepAlive, headers: { authorization: `Bearer ${key}`, ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

type Statuses = Map<number | string, number>;
const tally = (statuses: Statuses, status: number | string) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
const describeStatuses = (statuses: Statuses) =>
  [...statuses].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([s, n]) => `${s}×${n}`).join(" ") || "none";
const non201 = (statuses: Statuses) => [...statuses].filter(([s]) => s !== 201).reduce((n, [, c]) => n + c, 0);

interface Side {
  name: string;
  port: number;
  statuses: Map<number, Statuses>; // per concurrency
  firstError?: string;
}

let nextKey = 0;
let keys: string[] = [];

/** Closed loop: `concurrency` workers send creates until the round ends. Returns creates per second. */
async function round(side: Side, concurrency: number, ms: number): Promise<number> {
  const statuses = side.statuses.get(concurrency) ?? new Map();
  side.statuses.set(concurrency, statuses);
  let done = 0;
  const started = performance.now();
  const deadline = started + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = nextKey++;
      try {
        const res = await send(side.port, "POST", "/api/v1/requests", keys[n % keys.length]!, BODIES[n % BODIES.length]);
        tally(statuses, res.status);
        if (res.status !== 201) side.firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
        else done++;
      } catch (error) {
        tally(statuses, "socket error");
        side.firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadLine = () => {
  let uptime: string;
  try {
    uptime = execFileSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    uptime = `load average: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`;
  }
  return `${uptime} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "unknown"})`;
};

/** The baseline server as its own process, like Countersign's. */
async function startBaseline(databaseUrl: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "baseline/intake-server.ts"), databaseUrl], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`baseline server exited (${code})`)));
  });
  return { port: JSON.parse(line).port, child };
}

const admin = new pg.Client({ connectionString: serverUrl });
try {
  await admin.connect();
} catch {
  console.log("intake: skipped — no PostgreSQL at BENCH_DATABASE_URL / TEST_DATABASE_URL");
  process.exit(0);
}

const appName = `countersign_bench_${randomBytes(4).toString("hex")}`;
const baselineName = `${appName}_baseline`;
const urlOf = (database: string, via?: WireCounter) => {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (via) {
    url.hostname = "127.0.0.1";
    url.port = String(via.port);
  }
  return url.toString();
};

const started = performance.now();
const loadBefore = loadLine();
await ensureBuild();
await admin.query(`CREATE DATABASE ${appName}`);
await admin.query(`CREATE DATABASE ${baselineName}`);

const servers: AppServer[] = [];
const children: ChildProcess[] = [];
let database: Database | undefined;
let counter: WireCounter | undefined;
try {
  // Instance A: straight to PostgreSQL, for throughput and the long-poll.
  const portA = await freePort();
  const publicUrl = `http://127.0.0.1:${portA}`;
  const env = { AUTH_SECRET, COUNTERSIGN_URL: publicUrl, LOG_LEVEL: "warn" };
  const a = await startApp({ databaseUrl: urlOf(appName), env, port: portA });
  servers.push(a);

  database = await openPostgres(urlOf(appName));
  const cfg = loadConfig({ DATABASE_URL: urlOf(appName), AUTH_SECRET, COUNTERSIGN_URL: publicUrl, LOG_LEVEL: "silent" });
  const newKey = async (name: string) =>
    (await createAgent(database!.prisma, { name, environments: ["staging", "production"] }, { type: "system" })).plaintext;
  for (let i = 0; i < AGENTS; i++) keys.push(await newKey(`bench-intake-${i}`));
  const parallelAgents = await Promise.all([0, 1, 2, 3].map((i) => newKey(`bench-parallel-${i}`)));
  const waiterKey = await newKey("bench-waiter");
  const reviewer = await createUser(database.prisma, { email: "reviewer@bench.example", role: "approver" }, { type: "system" });

  await prepareBaselineDatabase(urlOf(baselineName), keys);
  const baselineDirect = await startBaseline(urlOf(baselineName));
  children.push(baselineDirect.child);

  // ---- throughput, interleaved: app and baseline take turns, swapping who goes first each round
  const app: Side = { name: "Countersign", port: a.port, statuses: new Map() };
  const base: Side = { name: "baseline", port: baselineDirect.port, statuses: new Map() };
  await round(app, 16, 1_000); // warm-up: JIT, pools, Next.js route compilation caches
  await round(base, 16, 1_000);
  app.statuses.clear();
  base.statuses.clear();
  const throughput = new Map<number, { app: number[]; base: number[] }>();
  for (const concurrency of CONCURRENCY) {
    const rates = { app: [] as number[], base: [] as number[] };
    throughput.set(concurrency, rates);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ([app, base] as const) : ([base, app] as const);
      for (const side of order) (side === app ? rates.app : rates.base).push(await round(side, concurrency, roundMs));
    }
    console.log(
      `concurrency ${String(concurrency).padStart(2)}: Countersign ${rates.app.map((x) => x.toFixed(0)).join(", ")} req/s · baseline ${rates.base.map((x) => x.toFixed(0)).join(", ")} req/s ` +
        `· statuses: Countersign ${describeStatuses(app.statuses.get(concurrency)!)}, baseline ${describeStatuses(base.statuses.get(concurrency)!)}`,
    );
  }
  for (const side of [app, base]) {
    const bad = [...side.statuses.values()].reduce((n, s) => n + non201(s), 0);
    if (bad) console.log(`\n!!! ${side.name}: ${bad} creates did NOT answer 201 — first: ${side.firstError}\n`);
  }

  // ---- 16 parallel creates from 4 agents, 4 each, fired at once
  const parallel = await Promise.all(
    Array.from({ length: 16 }, (_, i) => send(a.port, "POST", "/api/v1/requests", parallelAgents[i % 4]!, BODIES[i % BODIES.length]!).catch((e) => ({ status: 0, text: String(e) }))),
  );
  const parallelStatuses: Statuses = new Map();
  for (const res of parallel) tally(parallelStatuses, res.status);
  const parallelOk = non201(parallelStatuses) === 0;
  console.log(`16 parallel creates from 4 agents: ${describeStatuses(parallelStatuses)}`);
  if (!parallelOk) console.log(`\n!!! parallel creates did NOT all answer 201 — first: ${parallel.find((r) => r.status !== 201)!.text.slice(0, 300)}\n`);

  // ---- round trips per create, counted on the wire. Instance B and a second baseline process go
  // through the counter; background loops are measured while idle and subtracted.
  counter = await startWireCounter({ host: new URL(serverUrl).hostname, port: Number(new URL(serverUrl).port || 5432) });
  const b = await startApp({ databaseUrl: urlOf(appName, counter), env, port: await freePort() });
  servers.push(b);
  const baselineCounted = await startBaseline(urlOf(baselineName, counter));
  children.push(baselineCounted.child);
  const count = (name: string) => counter!.counts().get(name) ?? 0;
  const idleRate = async (name: string, ms: number) => {
    const before = count(name);
    const t = performance.now();
    await sleep(ms);
    return (count(name) - before) / (performance.now() - t);
  };
  const countCreates = async (port: number, name: string, creates: number, bodyOf: (i: number) => number) => {
    const before = { pool: count(name), listen: count(`${name}-listen`) };
    const t = performance.now();
    const statuses: Statuses = new Map();
    for (let i = 0; i < creates; i++) {
      const res = await send(port, "POST", "/api/v1/requests", keys[i % keys.length]!, BODIES[bodyOf(i)]!);
      tally(statuses, res.status === 201 ? (JSON.parse(res.text) as { status?: string }).status ?? 201 : res.status);
    }
    return { pool: count(name) - before.pool, listen: count(`${name}-listen`) - before.listen, ms: performance.now() - t, statuses };
  };
  await send(b.port, "POST", "/api/v1/requests", keys[0]!, BODIES[0]!); // warm B's route and pool
  await send(baselineCounted.port, "POST", "/api/v1/requests", keys[0]!, BODIES[0]!);
  const idleBefore = await idleRate("countersign", 2_000);
  const perKind = [];
  for (let k = 0; k < OPERATIONS.length; k++) perKind.push(await countCreates(b.port, "countersign", COUNTED_CREATES, () => k));
  const idleAfter = await idleRate("countersign", 2_000);
  const idlePerMs = (idleBefore + idleAfter) / 2;
  const kindRoundTrips = perKind.map((c) => (c.pool - idlePerMs * c.ms) / COUNTED_CREATES);
  // The figure: the mix the throughput rounds send, one of each in turn.
  const appRoundTrips = kindRoundTrips.reduce((a, b) => a + b, 0) / kindRoundTrips.length;
  const baseCount = await countCreates(baselineCounted.port, "baseline", COUNTED_CREATES * OPERATIONS.length, (i) => i % OPERATIONS.length);
  const baseRoundTrips = baseCount.pool / (COUNTED_CREATES * OPERATIONS.length);
  console.log(`round trips per create, Countersign (background loops measured while idle, ${(idlePerMs * 1000).toFixed(1)}/s, subtracted):`);
  perKind.forEach((c, k) => {
    const op = OPERATIONS[k]!;
    console.log(
      `  ${kindRoundTrips[k]!.toFixed(1)} — ${op.sql} in ${op.target.environment} (${COUNTED_CREATES} creates: ${c.pool} on the pool, ${c.listen} on LISTEN; answered ${describeStatuses(c.statuses)}, expected ${EXPECTED_STATUS[k]})`,
    );
    if (c.statuses.get(EXPECTED_STATUS[k]!) !== COUNTED_CREATES) console.log(`\n!!! the policy answered differently than this bench assumes for ${op.sql}: ${describeStatuses(c.statuses)}\n`);
  });
  console.log(`round trips per create, baseline: ${baseRoundTrips.toFixed(1)} (${baseCount.pool} for ${COUNTED_CREATES * OPERATIONS.length} creates; answered ${describeStatuses(baseCount.statuses)})`);

  // ---- wake-up: the agent long-polls on A; the request was made on B; a reviewer's decision is
  // recorded with decideRequest (what the dashboard's server action calls) on its own connection,
  // so only PostgreSQL's NOTIFY can tell A. Interleaved with a raw LISTEN/NOTIFY round trip.
  const listener = new pg.Client({ connectionString: urlOf(baselineName) });
  const notifier = new pg.Client({ connectionString: urlOf(baselineName) });
  await Promise.all([listener.connect(), notifier.connect()]);
  let delivered: ((payload: string) => void) | undefined;
  listener.on("notification", (msg) => delivered?.(msg.payload ?? ""));
  await listener.query("LISTEN bench_wake");
  const wake: number[] = [];
  const decideMs: number[] = [];
  const raw: number[] = [];
  const wakeStatuses: Statuses = new Map();
  let early = 0;
  for (let i = 0; i < wakeSamples; i++) {
    const created = await send(b.port, "POST", "/api/v1/requests", waiterKey, PENDING_BODY);
    if (created.status !== 201) throw new Error(`wake-up: create answered ${created.status}: ${created.text.slice(0, 300)}`);
    const { id } = JSON.parse(created.text) as { id: string };
    const waiting = send(a.port, "GET", `/api/v1/requests/${id}?wait=30`, waiterKey).then((res) => ({ ...res, at: performance.now() }));
    await sleep(SUBSCRIBE_GRACE_MS);
    const decideStart = performance.now();
    await decideRequest(database.prisma, cfg, { requestId: id, reviewerId: reviewer.id, decision: { decision: "approve" } });
    const committed = performance.now();
    const answered = await waiting;
    tally(wakeStatuses, answered.status === 200 ? (JSON.parse(answered.text) as { status: string }).status : answered.status);
    if (answered.at < decideStart) early++;
    wake.push(answered.at - committed);
    decideMs.push(committed - decideStart);

    const payload = String(i);
    const got = new Promise<number>((resolve) => (delivered = (p) => p === payload && resolve(performance.now())));
    const sent = performance.now();
    await notifier.query(`NOTIFY bench_wake, '${payload}'`);
    raw.push((await got) - sent);
  }
  await Promise.all([listener.end(), notifier.end()]);
  const wakeP99 = percentile(wake, 99);
  const rawP99 = percentile(raw, 99);
  console.log(
    `wake-up over ${wakeSamples}: decision committed → agent's answer median ${median(wake).toFixed(1)} ms, p99 ${wakeP99.toFixed(1)} ms (deciding took median ${median(decideMs).toFixed(1)} ms); ` +
      `raw NOTIFY → listener median ${median(raw).toFixed(1)} ms, p99 ${rawP99.toFixed(1)} ms; answers ${describeStatuses(wakeStatuses)}`,
  );
  const wakeOk = wakeStatuses.get("approved") === wakeSamples && early === 0;
  if (!wakeOk) console.log(`\n!!! not every waiter was woken by its approval: ${describeStatuses(wakeStatuses)}; answered before the decision: ${early}\n`);

  // ---- the table
  const rows: string[][] = [];
  for (const concurrency of CONCURRENCY) {
    const { app: appRates, base: baseRates } = throughput.get(concurrency)!;
    const ratio = median(appRates) / median(baseRates);
    const clean = non201(app.statuses.get(concurrency)!) === 0 && non201(base.statuses.get(concurrency)!) === 0;
    rows.push([
      `create, concurrency ${concurrency} (median of ${rounds} × ${roundMs / 1000} s)`,
      `${median(appRates).toFixed(0)} req/s`,
      `${median(baseRates).toFixed(0)} req/s`,
      `${ratio.toFixed(2)}×`,
      `≥ ${TARGETS.throughputRatio}×`,
      ratio >= TARGETS.throughputRatio && clean ? "yes" : clean ? "no" : "no (non-201 answers)",
    ]);
  }
  rows.push([
    "database round trips per create (the same mix, one at a time)",
    appRoundTrips.toFixed(1),
    baseRoundTrips.toFixed(1),
    `${(appRoundTrips / baseRoundTrips).toFixed(1)}×`,
    `≤ ${TARGETS.roundTrips}`,
    appRoundTrips <= TARGETS.roundTrips ? "yes" : "no",
  ]);
  rows.push(["16 parallel creates from 4 agents", describeStatuses(parallelStatuses), "—", "—", "all 201, no 500", parallelOk ? "yes" : "no"]);
  rows.push([
    `decision → agent woken, two instances, p99 of ${wakeSamples} (median)`,
    `${wakeP99.toFixed(1)} ms (${median(wake).toFixed(1)})`,
    `${rawP99.toFixed(1)} ms (${median(raw).toFixed(1)}) raw NOTIFY`,
    `${(wakeP99 / rawP99).toFixed(1)}×`,
    `≤ ${TARGETS.wakeP99Ms} ms p99`,
    wakeP99 <= TARGETS.wakeP99Ms && wakeOk ? "yes" : "no",
  ]);
  console.log(`\nbefore: ${loadBefore}`);
  console.log(`after:  ${loadLine()}`);
  console.log(`node ${process.version}; PostgreSQL ${(await admin.query("SHOW server_version")).rows[0].server_version}; bench took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  console.log("| figure | Countersign | baseline | ratio | target | met? |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
} finally {
  keepAlive.destroy();
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(servers.map((s) => s.stop()));
  await database?.close();
  await counter?.close();
  await admin.query(`DROP DATABASE IF EXISTS ${appName} WITH (FORCE)`);
  await admin.query(`DROP DATABASE IF EXISTS ${baselineName} WITH (FORCE)`);
  await admin.end();
}
