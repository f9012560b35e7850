// The MCP gateway's added latency: an allowed tool call (the reference memory server's read_graph,
// read-only) made through Countersign's gateway — request, policy, grant minted and redeemed,
// forwarded, outcome recorded, on the embedded database — against the same call made straight to
// a second copy of the upstream with the official client. Prints medians, p95 and the ratio.
//   npx tsx bench/mcp-gateway.ts [iterations]
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { openEmbedded } from "../lib/db";
import { loadConfig, setConfig } from "../lib/env";
import { loadRiskEngine } from "../lib/risk";
import { prepareDatabase } from "../lib/server/bootstrap";
import { createAgent } from "../lib/agents";
import { registerResource } from "../lib/resources";
import { callGatewayTool, closeUpstreams, listGatewayTools } from "../lib/gateway/mcp";

const iterations = Math.max(20, Number(process.argv[2] ?? 200));
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const server = path.resolve(import.meta.dirname, "../node_modules/@modelcontextprotocol/server-memory/dist/index.js");
const scratch = mkdtempSync(path.join(os.tmpdir(), "cs-bench-mcp-"));

await loadRiskEngine();
const database = await openEmbedded(undefined, { migrate: true });
const cfg = loadConfig({ COUNTERSIGN_DATA_DIR: scratch, AUTH_SECRET: randomBytes(32).toString("base64url"), LOG_LEVEL: "silent" });
setConfig(cfg);
const direct = new Client({ name: "bench-direct", version: "1.0.0" });
try {
  await prepareDatabase(database.prisma, cfg);
  const caller = await createAgent(database.prisma, { name: "bench-gateway", environments: ["staging"] }, { type: "system" });
  await registerResource(
    database.prisma,
    cfg,
    { kind: "mcp", name: "mcp/memory", environment: "staging", config: { transport: "stdio", command: process.execPath, args: [server] }, secret: `MEMORY_FILE_PATH=${path.join(scratch, "gw.jsonl")}` },
    { type: "system" },
  );
  await direct.connect(new StdioClientTransport({ command: process.execPath, args: [server], env: { ...process.env, MEMORY_FILE_PATH: path.join(scratch, "direct.jsonl") } as Record<string, string>, stderr: "ignore" }));
  const who = { agent: caller.agent, key: caller.key };
  const readGraph = (await listGatewayTools(database, cfg, who)).find((t) => t.upstreamTool.name === "read_graph")!;

  const viaDirect = async () => {
    const started = performance.now();
    await direct.callTool({ name: "read_graph", arguments: {} });
    return performance.now() - started;
  };
  const viaGateway = async () => {
    const started = performance.now();
    const outcome = await callGatewayTool(database, cfg, who, readGraph, {});
    if (outcome.result?.status !== "executed") throw new Error(`not executed: ${outcome.request.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 10; i++) {
    await viaDirect();
    await viaGateway();
  }
  const d: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < iterations; i++) {
    d.push(await viaDirect());
    g.push(await viaGateway());
  }
  const [d50, g50] = [percentile(d, 50), percentile(g, 50)];
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores; ${iterations} read_graph calls each way`);
  console.log(`direct to the upstream: median ${d50.toFixed(2)} ms, p95 ${percentile(d, 95).toFixed(2)} ms`);
  console.log(`through the gateway:    median ${g50.toFixed(2)} ms, p95 ${percentile(g, 95).toFixed(2)} ms (embedded database)`);
  console.log(`gateway / direct: ${(g50 / d50).toFixed(1)}× the median; added ${(g50 - d50).toFixed(2)} ms per allowed call`);
} finally {
  await direct.close().catch(() => undefined);
  await closeUpstreams();
  await database.close();
}
