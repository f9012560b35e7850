// Inbox benchmark: seeds 10,000 requests (1,000 pending) into an in-memory embedded database and
// prints how long the inbox queries take — the first page, a page deep into the decided requests
// (keyset pagination keeps it as cheap as the first), and filtered pages.
// Run: node --conditions=react-server --import tsx bench/inbox.ts [requests] [iterations]
// (the react-server condition lets modules marked `import "server-only"` load outside Next.js)
import { openEmbedded } from "../lib/db";
import { createAgent } from "../lib/agents";
import { listInbox, type InboxFilters } from "../lib/dashboard/inbox";

const TOTAL = Number(process.argv[2] ?? 10_000);
const ITERATIONS = Number(process.argv[3] ?? 20);
const STATUSES = ["approved", "denied", "expired", "executed", "cancelled"] as const;
const RISKS = ["low", "medium", "high", "critical"] as const;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(label: string, fn: () => Promise<unknown>) {
  await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(48)} median ${percentile(samples, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(samples, 95).toFixed(1).padStart(6)} ms`);
}

async function main() {
  const database = await openEmbedded(undefined, { migrate: true });
  const prisma = database.prisma;
  try {
    const agents = await Promise.all(
      ["bench-a", "bench-b", "bench-c"].map((name) => createAgent(prisma, { name, environments: ["production", "staging"] }, { type: "system" })),
    );
    const now = Date.now();
    const seeded = performance.now();
    for (let start = 0; start < TOTAL; start += 1000) {
      await prisma.request.createMany({
        data: Array.from({ length: Math.min(1000, TOTAL - start) }, (_, j) => {
          const i = start + j;
          const pending = i % 10 === 0;
          return {
            agentId: agents[i % agents.length]!.agent.id,
            status: pending ? "pending" : STATUSES[i % STATUSES.length]!,
            environment: i % 2 ? "production" : "staging",
            resource: `postgres/db${i % 17}`,
            kind: "sql",
            operation: { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: `DELETE FROM t WHERE id = ${i};` },
            operationDigest: `sha256:${i}`,
            summary: `Benchmark request ${i}`,
            riskLevel: RISKS[i % RISKS.length]!,
            findings: [],
            requiredApprovals: 1 + (i % 2),
            expiresAt: new Date(now + ((i * 7919) % 86_400) * 1000),
            createdAt: new Date(now - i * 1000),
          };
        }),
      });
    }
    console.log(`seeded ${TOTAL.toLocaleString("en")} requests in ${((performance.now() - seeded) / 1000).toFixed(1)} s; ${ITERATIONS} iterations each\n`);

    const page = (filters: InboxFilters, cursor?: string | null) => listInbox(prisma, filters, { cursor });
    await time("first page (pending first)", () => page({}));
    // Walk to a page deep inside the decided requests, then time that page.
    let cursor: string | null = null;
    for (let i = 0; i < 60; i++) cursor = (await page({}, cursor)).nextCursor;
    await time("page 61 (deep in decided requests)", () => page({}, cursor));
    await time("status=pending", () => page({ status: "pending" }));
    await time("status=denied", () => page({ status: "denied" }));
    await time("risk=critical, environment=production", () => page({ risk: "critical", environment: "production" }));
    await time("agent=bench-b", () => page({ agent: "bench-b" }));
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
