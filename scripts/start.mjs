// `npm start`: builds the app when needed, then runs the server in this process, so the signals a
// process manager sends npm reach it directly (package.json's start script `exec`s node, leaving no
// shell in between; the build, when one runs, gets them passed on).
import path from "node:path";
import { register } from "tsx/esm/api";
import { ensureBuildForwardingSignals, logLine } from "./ensure-build.mjs";

try {
  await ensureBuildForwardingSignals();
} catch (error) {
  logLine("error", error.message);
  process.exit(1);
}
process.env.NODE_ENV ??= "production";
process.env.NEXT_TELEMETRY_DISABLED = "1";
register();
await import(path.resolve(import.meta.dirname, "../server.ts"));
