// The baseline for bench/waiters.ts: a bare node:http server that holds each long-poll and answers
// it after its `wait` with a small JSON body — no key, no database, no framework. What it costs
// (memory per open connection, lateness when thousands are answered at once) is what the machine
// and Node's HTTP server impose on any server, Countersign's included.
//   node --import tsx bench/baseline/long-poll-server.ts  → prints {"port":…}
import http from "node:http";

// The same accept queue as Countersign's server (server.ts).
const LISTEN_BACKLOG = 8192;

export async function startLongPollBaseline(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const wait = Number(url.searchParams.get("wait") ?? 0);
    const answer = () => {
      if (res.destroyed) return;
      const body = JSON.stringify({ id: url.pathname.split("/").pop(), status: "pending" });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    if (wait > 0) setTimeout(answer, wait * 1000);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen({ port, host: "127.0.0.1", backlog: LISTEN_BACKLOG }, resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startLongPollBaseline();
  process.stdout.write(JSON.stringify({ port: server.port }) + "\n");
  process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
}
