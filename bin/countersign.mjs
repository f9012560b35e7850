#!/usr/bin/env node
// `npx countersign …`: the agent and executor command line (client/cli.ts). Plain ESM that loads
// the TypeScript client through tsx, as scripts/start.mjs loads the server. `countersign hook …`
// runs before every tool call of a coding agent, so it starts without tsx (client/hooks/loader.mjs).
import path from "node:path";

const args = process.argv.slice(2);
if (args[0] === "hook") {
  try {
    const { runHookCommand } = await import("../client/hooks/loader.mjs");
    process.exitCode = await runHookCommand(args.slice(1));
  } catch (error) {
    // Exit 2 is what Claude Code and Cursor both treat as "blocked"; any other failure would let the call through.
    process.stderr.write(`countersign hook: ${error?.message ?? String(error)}; refused\n`);
    process.exitCode = 2;
  }
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import(path.resolve(import.meta.dirname, "../client/cli.ts"));

  // Ctrl-C or SIGTERM while waiting stops the wait (the request stays open on the server); a
  // statement already redeemed still runs to the end and has its outcome reported.
  const controller = new AbortController();
  const stop = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  process.exitCode = await main(args, process.env, { stdout: process.stdout, stderr: process.stderr }, controller.signal);
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
}
