#!/usr/bin/env node
// `npx countersign …`: the agent and executor command line (client/cli.ts). Plain ESM that loads
// the TypeScript client through tsx, as scripts/start.mjs loads the server.
import path from "node:path";
import { register } from "tsx/esm/api";

register();
const { main } = await import(path.resolve(import.meta.dirname, "../client/cli.ts"));

// Ctrl-C or SIGTERM while waiting stops the wait (the request stays open on the server); a
// statement already redeemed still runs to the end and has its outcome reported.
const controller = new AbortController();
const stop = () => controller.abort(new Error("interrupted"));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

process.exitCode = await main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr }, controller.signal);
process.off("SIGINT", stop);
process.off("SIGTERM", stop);
