// Structured logs: one JSON object per line on stdout. Callers pass facts, never secrets.
import { config } from "./env";

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  let threshold: number;
  try {
    threshold = order[config().logLevel];
  } catch {
    threshold = order.info;
  }
  if (order[level] < threshold) return;
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...fields };
  if (fields?.err instanceof Error) {
    line.err = { name: fields.err.name, message: fields.err.message };
  }
  process.stdout.write(JSON.stringify(line) + "\n");
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
  /** Why the process is about to exit: one line on standard error, whatever LOG_LEVEL says. */
  fatal: (msg: string, fields?: Record<string, unknown>) => {
    const line: Record<string, unknown> = { time: new Date().toISOString(), level: "error", msg, ...fields };
    if (fields?.err instanceof Error) line.err = { name: fields.err.name, message: fields.err.message, stack: fields.err.stack };
    process.stderr.write(JSON.stringify(line) + "\n");
  },
};
