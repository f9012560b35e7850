// A TCP forwarder between a PostgreSQL client and the server that counts the client's round trips
// without changing either side: it reads the frontend protocol and counts Sync ('S', the end of an
// extended-protocol query: Parse/Bind/Execute…) and Query ('Q', a simple query such as BEGIN).
// node-postgres never pipelines, so each of those is one round trip. Connections are tallied by
// the application_name of their startup message, which tells a pool from a LISTEN connection.
import net from "node:net";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export interface WireCounter {
  /** Where clients connect instead of the server. */
  port: number;
  /** Round trips (Sync + Query messages) so far, per application_name. */
  counts(): Map<string, number>;
  close(): Promise<void>;
}

export async function startWireCounter(target: { host: string; port: number }): Promise<WireCounter> {
  const totals = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let application = "(unnamed)";
    let startup = true; // the first messages carry no type byte
    let pending: Buffer = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (startup) {
          if (pending.length < 8) break;
          const length = pending.readInt32BE(0);
          if (pending.length < length) break;
          const code = pending.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST && code !== CANCEL_REQUEST) {
            application = startupParameter(pending.subarray(8, length), "application_name") ?? application;
            startup = false;
          }
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) break;
        const type = pending[0];
        if (type === 0x53 /* S */ || type === 0x51 /* Q */) totals.set(application, (totals.get(application) ?? 0) + 1);
        pending = pending.subarray(1 + length);
      }
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    counts: () => new Map(totals),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A parameter of a StartupMessage body (after the protocol version): NUL-separated name/value pairs. */
function startupParameter(body: Buffer, name: string): string | undefined {
  const parts = body.toString("utf8").split("\0");
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === name) return parts[i + 1];
  return undefined;
}
