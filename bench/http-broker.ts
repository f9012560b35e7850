// The HTTP credential broker's added latency: an allowed GET sent through Countersign (request,
// policy, grant minted and redeemed, credential added, outcome recorded — on the embedded
// database) against the same GET sent straight to the upstream. Both to a local upstream on
// loopback; prints medians, p95 and their ratio, with the machine's load.
//   npx tsx bench/http-broker.ts [iterations]
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { openEmbedded } from "../lib/db";
import { loadConfig, setConfig } from "../lib/env";
import { loadRiskEngine } from "../lib/risk";
import { prepareDatabase } from "../lib/server/bootstrap";
import { createAgent } from "../lib/agents";
import { registerResource } from "../lib/resources";
import { runHttpOnResource } from "../lib/executor/http";

const iterations = Math.max(20, Number(process.argv[2] ?? 200));
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

const upstream = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end('{"ok":true}');
});
await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

await loadRiskEngine();
const database = await openEmbedded(undefined, { migrate: true });
const cfg = loadConfig({ COUNTERSIGN_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "cs-bench-")), AUTH_SECRET: randomBytes(32).toString("base64url"), LOG_LEVEL: "silent" });
setConfig(cfg);
try {
  await prepareDatabase(database.prisma, cfg);
  const caller = await createAgent(database.prisma, { name: "bench-broker", environments: ["staging"] }, { type: "system" });
  await registerResource(database.prisma, cfg, { kind: "http", name: "bench/api", environment: "staging", baseUrl: base, auth: { type: "bearer" }, allowPrivateNetwork: true, secret: "bench-token" }, { type: "system" });

  const direct = async () => {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      http.get(`${base}/v1/items`, { headers: { authorization: "Bearer bench-token" }, agent: false }, (res) => {
        res.resume();
        res.once("end", resolve);
      }).once("error", reject);
    });
    return performance.now() - started;
  };
  const brokered = async () => {
    const started = performance.now();
    const outcome = await runHttpOnResource(database, cfg, { agent: caller.agent, key: caller.key }, { resource: "bench/api", method: "GET", path: "/v1/items" });
    if (outcome.result?.status !== "executed") throw new Error(`not executed: ${outcome.request.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 10; i++) {
    await direct();
    await brokered();
  }
  const directTimes: number[] = [];
  const brokerTimes: number[] = [];
  for (let i = 0; i < iterations; i++) {
    directTimes.push(await direct());
    brokerTimes.push(await brokered());
  }
  const [d50, b50] = [percentile(directTimes, 50), percentile(brokerTimes, 50)];
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores; ${iterations} GETs each way`);
  console.log(`direct HTTP:  median ${d50.toFixed(2)} ms, p95 ${percentile(directTimes, 95).toFixed(2)} ms`);
  console.log(`via broker:   median ${b50.toFixed(2)} ms, p95 ${percentile(brokerTimes, 95).toFixed(2)} ms (embedded database)`);
  console.log(`broker / direct: ${(b50 / d50).toFixed(1)}× the median; added ${(b50 - d50).toFixed(2)} ms per allowed call`);
} finally {
  await database.close();
  upstream.close();
}
