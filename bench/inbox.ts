// Inbox benchmark: the reviewers' inbox with 10,000 requests pending against the same inbox with
// 25 pending, both over the same 2,000 decided requests with realistic rows (operation, findings,
// the agent's context). Times the page's data path as the page runs it — listInbox for a signed-in
// reviewer beside the filter options — interleaved between the two databases, and prints each
// figure beside its baseline, their ratio and the target; then a page deep into the decided
// requests and filtered pages at 10,000 pending.
// PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL; scratch databases are created and
// dropped), else the embedded database. Run:
//   node --conditions=react-server --import tsx bench/inbox.ts [iterations] [--explain] [--http]
// --explain prints PostgreSQL's EXPLAIN ANALYZE of every query the first page makes at 10,000 pending.
// (the react-server condition lets modules marked `import "server-only"` load outside Next.js)
import { randomBytes } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { openEmbedded, openPostgres, type Database } from "../lib/db";
import { createAgent } from "../lib/agents";
import { createUser } from "../lib/users";
import { inboxFilterOptions, listInbox, type InboxFilters, type InboxReviewer } from "../lib/dashboard/inbox";

const EXPLAIN = process.argv.includes("--explain");
// Also the page over HTTP from the built server, signed in (needs `next build`; adds ~30 s), and
// its largest contentful paint in Chromium when one is installed (CHROMIUM_PATH or /usr/bin/chromium).
const HTTP = process.argv.includes("--http");
const ITERATIONS = Math.max(5, Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 25));
const DECIDED = 2_000;
const BUSY = 10_000;
const QUIET = 25;
const TARGET_MS = 200;
const STATUSES = ["approved", "denied", "expired", "executed", "cancelled"] as const;
const RISKS = ["low", "medium", "high", "critical"] as const;
// The benchmark's own configuration, like the tests' TEST_DATABASE_URL.
const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Scratch {
  database: Database;
  url?: string;
  kind: "PostgreSQL" | "embedded";
  drop(): Promise<void>;
}

async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function scratch(onPostgres: boolean): Promise<Scratch> {
  if (!onPostgres) {
    const database = await openEmbedded(undefined, { migrate: true });
    return { database, kind: "embedded", drop: () => database.close() };
  }
  const name = `countersign_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString(), { migrate: true });
  return {
    database,
    url: url.toString(),
    kind: "PostgreSQL",
    async drop() {
      await database.close();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Agents, reviewers, DECIDED decided requests and `pending` pending ones (a third with one approval of two). */
async function seed(database: Database, pending: number): Promise<InboxReviewer & { email: string }> {
  const prisma = database.prisma;
  const agents = await Promise.all(["bench-a", "bench-b", "bench-c"].map((name) => createAgent(prisma, { name, environments: ["production", "staging"] }, { type: "system" })));
  const reviewer = await createUser(prisma, { email: "reviewer@bench.example", role: "approver" }, { type: "system" });
  const colleague = await createUser(prisma, { email: "colleague@bench.example", role: "approver" }, { type: "system" });
  const now = Date.now();
  const context = { reasoning: "The nightly job left these rows behind; nothing reads them. ".repeat(20), transcript: Array.from({ length: 6 }, (_, t) => ({ role: t % 2 ? "assistant" : "user", content: "Clean up the expired sessions table before the release. ".repeat(8) })) };
  const row = (i: number, isPending: boolean) => ({
    agentId: agents[i % agents.length]!.agent.id,
    status: isPending ? ("pending" as const) : STATUSES[i % STATUSES.length]!,
    environment: i % 2 ? "production" : "staging",
    resource: `postgres/db${i % 17}`,
    kind: "sql",
    operation: { kind: "sql", target: { environment: i % 2 ? "production" : "staging", resource: `postgres/db${i % 17}` }, sql: `DELETE FROM sessions WHERE id = ${i} AND expires_at < now();` },
    operationDigest: `sha256:${randomBytes(32).toString("base64url").slice(0, 43)}`,
    summary: `Benchmark request ${i}: delete an expired session`,
    context,
    riskLevel: RISKS[i % RISKS.length]!,
    findings: [{ id: "sql.delete_where", level: RISKS[i % RISKS.length], message: "Deletes rows matching a WHERE clause." }],
    targets: [`public.sessions`],
    requiredApprovals: 1 + (i % 2),
    expiresAt: new Date(now + (isPending ? 3_600 + ((i * 7919) % 86_400) : -((i * 7919) % 86_400)) * 1000),
    decidedAt: isPending ? null : new Date(now - i * 1000),
    createdAt: new Date(now - i * 1000),
  });
  const insert = async (count: number, isPending: boolean, offset: number) => {
    for (let start = 0; start < count; start += 1000) {
      await prisma.request.createMany({ data: Array.from({ length: Math.min(1000, count - start) }, (_, j) => row(offset + start + j, isPending)) });
    }
  };
  await insert(DECIDED, false, 1_000_000);
  await insert(pending, true, 0);
  const halfApproved = await prisma.request.findMany({ where: { status: "pending", requiredApprovals: 2 }, select: { id: true } });
  const reviews = halfApproved.filter((_, i) => i % 3 === 0).map((r) => ({ requestId: r.id, reviewerId: colleague.id, decision: "approve" as const }));
  for (let start = 0; start < reviews.length; start += 1000) await prisma.review.createMany({ data: reviews.slice(start, start + 1000) });
  if (database.kind === "postgres") await prisma.$executeRawUnsafe("ANALYZE");
  return { id: reviewer.id, role: reviewer.role, email: reviewer.email };
}

/** The built server on this database, and a GET of the inbox with a session cookie for `reviewer`. */
async function servePage(scratchDb: Scratch, reviewer: { id: string; email: string }) {
  const { startApp } = await import("../test/app-server");
  const { encode } = await import("next-auth/jwt");
  const secret = randomBytes(32).toString("base64url");
  const server = await startApp({ databaseUrl: scratchDb.url, env: { AUTH_SECRET: secret, LOG_LEVEL: "warn" } });
  const cookieName = "authjs.session-token";
  const session = await encode({ token: { sub: reviewer.id, uid: reviewer.id, email: reviewer.email }, secret, salt: cookieName, maxAge: 3600 });
  const get = async () => {
    const started = performance.now();
    const res = await fetch(`${server.url}/`, { headers: { cookie: `${cookieName}=${session}` }, redirect: "manual" });
    const body = await res.text();
    if (res.status !== 200 || !body.includes("Waiting for review")) throw new Error(`inbox answered ${res.status}`);
    return { ms: performance.now() - started, bytes: Buffer.byteLength(body) };
  };
  return { server, get, cookie: { name: cookieName, value: session } };
}

/** Largest contentful paint of the inbox in Chromium, signed in, in ms (median of `runs`). */
async function largestContentfulPaint(url: string, cookie: { name: string; value: string }, runs: number): Promise<number | null> {
  const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  const { existsSync } = await import("node:fs");
  if (!existsSync(executablePath)) return null;
  const { chromium } = await import("@playwright/test");
  const browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      await context.addCookies([{ name: cookie.name, value: cookie.value, url }]);
      const page = await context.newPage();
      await page.goto(`${url}/`, { waitUntil: "load" });
      samples.push(
        await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              new PerformanceObserver((list) => {
                const entries = list.getEntries();
                resolve(entries[entries.length - 1]!.startTime);
              }).observe({ type: "largest-contentful-paint", buffered: true });
            }),
        ),
      );
      await context.close();
    }
    return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  } finally {
    await browser.close();
  }
}

/** The inbox page's data path, as app/(dashboard)/page.tsx runs it. */
const inboxData = (database: Database, reviewer: InboxReviewer, filters: InboxFilters = {}, cursor?: string | null) =>
  Promise.all([listInbox(database.prisma, filters, { reviewer, cursor }), inboxFilterOptions(database.prisma)]);

/** Captures the SQL one call sends through pg, then explains each statement on the same database. */
async function explain(database: Database, fn: () => Promise<unknown>) {
  const captured: Array<{ text: string; values?: unknown[] }> = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof config === "string" ? config : config?.text;
    if (typeof text === "string" && /^\s*(SELECT|WITH)/i.test(text)) captured.push({ text, values: typeof config === "string" ? values : (config.values ?? values) });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  await database.withSql(async (sql) => {
    for (const { text, values } of captured) {
      const plan = await sql.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
      console.log(`\n${text}\n${plan.map((r) => r["QUERY PLAN"]).join("\n")}`);
    }
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function main() {
  const onPostgres = await postgresAvailable();
  const seeded = performance.now();
  const [quiet, busy] = [await scratch(onPostgres), await scratch(onPostgres)];
  try {
    const [quietReviewer, busyReviewer] = [await seed(quiet.database, QUIET), await seed(busy.database, BUSY)];
    console.log(`${busy.kind}; seeded ${QUIET} and ${BUSY.toLocaleString("en")} pending over ${DECIDED.toLocaleString("en")} decided requests in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

    if (EXPLAIN && busy.kind === "PostgreSQL") await explain(busy.database, () => inboxData(busy.database, busyReviewer));
    const quietPage = () => inboxData(quiet.database, quietReviewer);
    const busyPage = () => inboxData(busy.database, busyReviewer);
    for (let i = 0; i < 3; i++) await Promise.all([quietPage(), busyPage()]); // warm-up
    const quietTimes: number[] = [];
    const busyTimes: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      quietTimes.push(await timed(quietPage));
      busyTimes.push(await timed(busyPage));
    }
    quietTimes.sort((a, b) => a - b);
    busyTimes.sort((a, b) => a - b);
    const [q50, b50] = [percentile(quietTimes, 50), percentile(busyTimes, 50)];
    const [first] = await busyPage();
    const payload = Buffer.byteLength(JSON.stringify(first));
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores; ${ITERATIONS} interleaved iterations`);
    console.log(`baseline  inbox data, ${QUIET} pending        median ${q50.toFixed(1).padStart(7)} ms   p95 ${percentile(quietTimes, 95).toFixed(1).padStart(7)} ms`);
    console.log(`figure    inbox data, ${BUSY.toLocaleString("en")} pending    median ${b50.toFixed(1).padStart(7)} ms   p95 ${percentile(busyTimes, 95).toFixed(1).padStart(7)} ms`);
    console.log(`ratio     ${(b50 / q50).toFixed(2)}× the baseline   target ≤ ${TARGET_MS} ms   ${b50 <= TARGET_MS ? "met" : "NOT met"}   (first page: ${first.items.length} rows, ${(payload / 1024).toFixed(1)} KiB of data)`);

    // The rest of the inbox at 10,000 pending: paging and filters stay as cheap as the first page.
    const time = async (label: string, fn: () => Promise<unknown>) => {
      await fn();
      const samples: number[] = [];
      for (let i = 0; i < Math.ceil(ITERATIONS / 2); i++) samples.push(await timed(fn));
      samples.sort((a, b) => a - b);
      console.log(`          ${label.padEnd(38)} median ${percentile(samples, 50).toFixed(1).padStart(7)} ms`);
    };
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) cursor = (await listInbox(busy.database.prisma, {}, { reviewer: busyReviewer, cursor })).nextCursor;
    const deep = cursor;
    await time("page 11 (deep in pending)", () => inboxData(busy.database, busyReviewer, {}, deep));
    let restCursor: string | null = null;
    for (let i = 0; i < 210; i++) restCursor = (await listInbox(busy.database.prisma, {}, { reviewer: busyReviewer, cursor: restCursor })).nextCursor;
    const decided = restCursor;
    await time("page 211 (in the decided requests)", () => inboxData(busy.database, busyReviewer, {}, decided));
    await time("status=pending", () => inboxData(busy.database, busyReviewer, { status: "pending" }));
    await time("status=denied", () => inboxData(busy.database, busyReviewer, { status: "denied" }));
    await time("risk=critical, environment=production", () => inboxData(busy.database, busyReviewer, { risk: "critical", environment: "production" }));
    await time("agent=bench-b", () => inboxData(busy.database, busyReviewer, { agent: "bench-b" }));

    if (HTTP && busy.url && quiet.url) {
      const [quietServer, busyServer] = [await servePage(quiet, quietReviewer), await servePage(busy, busyReviewer)];
      try {
        for (let i = 0; i < 3; i++) await Promise.all([quietServer.get(), busyServer.get()]); // warm-up
        const quietHttp: number[] = [];
        const busyHttp: number[] = [];
        let bytes = 0;
        for (let i = 0; i < ITERATIONS; i++) {
          quietHttp.push((await quietServer.get()).ms);
          const answer = await busyServer.get();
          busyHttp.push(answer.ms);
          bytes = answer.bytes;
        }
        quietHttp.sort((a, b) => a - b);
        busyHttp.sort((a, b) => a - b);
        const [qh, bh] = [percentile(quietHttp, 50), percentile(busyHttp, 50)];
        console.log(`\nGET / signed in, built server; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
        console.log(`baseline  inbox page, ${QUIET} pending        median ${qh.toFixed(1).padStart(7)} ms   p95 ${percentile(quietHttp, 95).toFixed(1).padStart(7)} ms`);
        console.log(`figure    inbox page, ${BUSY.toLocaleString("en")} pending    median ${bh.toFixed(1).padStart(7)} ms   p95 ${percentile(busyHttp, 95).toFixed(1).padStart(7)} ms   (${(bytes / 1024).toFixed(0)} KiB of HTML)`);
        console.log(`ratio     ${(bh / qh).toFixed(2)}× the baseline   target ≤ ${TARGET_MS} ms   ${bh <= TARGET_MS ? "met" : "NOT met"}`);
        const [quietLcp, busyLcp] = [await largestContentfulPaint(quietServer.server.url, quietServer.cookie, 5), await largestContentfulPaint(busyServer.server.url, busyServer.cookie, 5)];
        if (quietLcp === null || busyLcp === null) console.log("LCP       skipped: no Chromium (set CHROMIUM_PATH)");
        else console.log(`LCP       ${busyLcp.toFixed(0)} ms at ${BUSY.toLocaleString("en")} pending, baseline ${quietLcp.toFixed(0)} ms at ${QUIET}   ratio ${(busyLcp / quietLcp).toFixed(2)}×   target ≤ 1000 ms   ${busyLcp <= 1000 ? "met" : "NOT met"}`);
      } finally {
        await Promise.all([quietServer.server.stop(), busyServer.server.stop()]);
      }
    }
  } finally {
    await Promise.all([quiet.drop(), busy.drop()]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
