// `npm start`: builds the app when needed, then runs the server in this process (so signals
// reach it directly).
import path from "node:path";
import { register } from "tsx/esm/api";
import { ensureBuild, logLine } from "./ensure-build.mjs";

try {
  await ensureBuild();
} catch (error) {
  logLine("error", error.message);
  process.exit(1);
}
process.env.NODE_ENV ??= "production";
process.env.NEXT_TELEMETRY_DISABLED = "1";
register();
await import(path.resolve(import.meta.dirname, "../server.ts"));
