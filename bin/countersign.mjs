#!/usr/bin/env node
// `npx countersign …`: the agent and executor command line (client/cli.ts), compiled ahead of
// time (scripts/compiled.mjs). `countersign hook …` runs before every tool call of a coding agent
// and has its own contract: any failure to start is exit 2, which blocks the call.
import { importCompiled } from "../scripts/compiled.mjs";

const args = process.argv.slice(2);
if (args[0] === "hook") {
  // Exit 2 is what Claude Code and Cursor both treat as "blocked"; any other failure would let the call through.
  const fail = (error) => {
    process.stderr.write(`countersign hook: ${error?.message ?? String(error)}; refused\n`);
    process.exit(2);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  try {
    const { runHookProcess } = await importCompiled("client", "hook");
    process.exitCode = await runHookProcess(args.slice(1));
  } catch (error) {
    fail(error);
  }
} else {
  const { main } = await importCompiled("client", "cli");

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
