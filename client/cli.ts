// `countersign …` (bin/countersign.mjs): the agent and executor command line, over the HTTP API
// with an agent key. Its configuration comes from the environment it is given, read in
// `settings()` alone.
//
// Exit codes: 0 done; 1 error (network, server); 2 usage or configuration; 3 refused (denied,
// expired, cancelled, revoked, a grant that does not verify, a refused redemption: nothing ran);
// 4 still undecided when --timeout ran out; 5 `sql`: the statement ran and failed; 130 interrupted.
import { randomUUID } from "node:crypto";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CountersignClient, RequestView } from "./index";

export const EXIT = { ok: 0, error: 1, usage: 2, refused: 3, undecided: 4, failed: 5, interrupted: 130 } as const;

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** All of standard input (`hook` reads its tool call there); default: the process's. */
  readStdin?: () => Promise<string>;
}

type Env = Record<string, string | undefined>;
type Values = Record<string, string | boolean | undefined>;
type Options = NonNullable<ParseArgsConfig["options"]>;

class UsageError extends Error {}
class Interrupted extends Error {}

const REFUSED = new Set(["denied", "expired", "cancelled", "revoked"]);
const UNDECIDED = new Set(["pending", "cooling_down"]);

/** Everything the CLI reads from its environment. */
function settings(env: Env) {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new UsageError(`${name} is not set`);
    return value;
  };
  return {
    url: () => need("COUNTERSIGN_URL"),
    optionalUrl: () => env.COUNTERSIGN_URL || undefined,
    apiKey: () => need("COUNTERSIGN_API_KEY"),
    sql: () => {
      const timeout = env.COUNTERSIGN_SQL_STATEMENT_TIMEOUT;
      return {
        countersignUrl: need("COUNTERSIGN_URL"),
        apiKey: need("COUNTERSIGN_API_KEY"),
        databaseUrl: need("COUNTERSIGN_SQL_DATABASE_URL"),
        environment: need("COUNTERSIGN_SQL_ENVIRONMENT"),
        resource: need("COUNTERSIGN_SQL_RESOURCE"),
        // Unset: the executor's default.
        statementTimeoutMs: timeout === undefined || timeout === "" ? undefined : seconds(timeout, "COUNTERSIGN_SQL_STATEMENT_TIMEOUT")! * 1000,
      };
    },
  };
}

const OPERATION_OPTIONS: Options = {
  sql: { type: "string" },
  shell: { type: "string" },
  operation: { type: "string" },
  environment: { type: "string" },
  resource: { type: "string" },
};
const OPERATION_HELP = `  --sql S                 a SQL statement (with --environment and --resource)
  --shell C               a shell command (with --environment and --resource)
  --operation JSON        the whole operation, e.g. '{"kind":"http","target":{…},"method":"POST","url":"…"}'
  --environment E         the target environment
  --resource R            the target resource, e.g. postgres/main`;

interface Command {
  summary: string;
  options: Options;
  help: string;
  run(values: Values, ctx: Context): Promise<number>;
}

type ClientApi = typeof import("./index");

interface Context {
  env: Env;
  io: Io;
  signal: AbortSignal;
  api: ClientApi;
}

const COMMANDS: Record<string, Command> = {
  request: {
    summary: "ask to run an operation; prints the review URL at once",
    options: {
      ...OPERATION_OPTIONS,
      summary: { type: "string" },
      reasoning: { type: "string" },
      ttl: { type: "string" },
      "idempotency-key": { type: "string" },
      wait: { type: "boolean" },
      timeout: { type: "string" },
      json: { type: "boolean" },
    },
    help: `Usage: countersign request (--sql S | --shell C | --operation JSON) --environment E --resource R [options]

Asks Countersign to run an operation. The review URL is printed on standard error at once.
Standard output gets one JSON object: with a grant, {requestId, status, operationDigest, grant: {token, expiresAt}};
otherwise {requestId, status, reviewUrl}.
With --wait, waits for people (reconnecting across server restarts), then:
  approved                              exit 0, the grant on standard output
  denied, expired, cancelled, revoked   exit 3, the reason on standard error
  still pending at --timeout            exit 4

${OPERATION_HELP}
  --summary S             one line for reviewers
  --reasoning T           why the agent wants this
  --ttl SECONDS           how long reviewers have (10–86400, default 900)
  --idempotency-key K     repeat-safe creation (default: a fresh one, so retries never duplicate)
  --wait                  wait for the decision
  --timeout SECONDS       with --wait: give up after this long (exit 4)
  --json                  print the whole request as JSON

Environment: COUNTERSIGN_URL, COUNTERSIGN_API_KEY.`,
    async run(values, ctx) {
      const operation = operationFrom(values);
      const body: Record<string, unknown> = { operation };
      if (values.summary !== undefined) body.summary = values.summary;
      if (values.reasoning !== undefined) body.context = { reasoning: values.reasoning };
      if (values.ttl !== undefined) body.ttlSeconds = Number(values.ttl);
      const cs = newClient(ctx);
      const timeout = seconds(values.timeout, "--timeout");
      let view = await cs.createRequest(body as never, { idempotencyKey: str(values["idempotency-key"]) ?? randomUUID(), signal: ctx.signal });
      ctx.io.stderr.write(`countersign: request ${view.id} ${view.status} (risk ${view.risk.level}) — review: ${view.reviewUrl}\n`);
      if (values.wait && UNDECIDED.has(view.status)) {
        ctx.io.stderr.write(`countersign: waiting for ${view.requiredApprovals} approval(s)…\n`);
        view = await waitFor(cs, view, timeout, ctx);
      }
      return finish(view, { json: values.json === true, waited: values.wait === true }, ctx.io);
    },
  },

  sql: {
    summary: "executor: run a statement on this executor's database once it is approved",
    options: {
      grant: { type: "string" },
      summary: { type: "string" },
      reasoning: { type: "string" },
      "idempotency-key": { type: "string" },
      timeout: { type: "string" },
    },
    help: `Usage: countersign sql "<statement>" [--summary S] [--reasoning T] [--timeout SECONDS] [--grant TOKEN]

An executor for one PostgreSQL database. It asks Countersign to run exactly this statement on the
environment and resource of its own configuration (never the caller's), prints the review URL on
standard error, and waits. Once approved it verifies the grant offline (issuer COUNTERSIGN_URL,
audience its resource, env its environment, the digest of this exact statement), redeems it, runs
the statement once with a statement timeout, prints the result as JSON on standard output and
reports the outcome to Countersign.
With --grant, it uses a grant the agent already holds (from \`countersign request --wait\`)
instead of asking; the executor's key then needs the grants:redeem scope.

  --summary S             one line for reviewers
  --reasoning T           why the agent wants this
  --idempotency-key K     repeat-safe creation (default: a fresh one)
  --timeout SECONDS       give up waiting for people after this long (exit 4; nothing ran)
  --grant TOKEN           run with this grant instead of asking

Configuration (environment):
  COUNTERSIGN_URL                    Countersign's URL; also the grants' expected issuer
  COUNTERSIGN_API_KEY                this executor's agent key (csk_…)
  COUNTERSIGN_SQL_DATABASE_URL       the database it runs statements on (postgresql://…)
  COUNTERSIGN_SQL_ENVIRONMENT        the environment that database belongs to
  COUNTERSIGN_SQL_RESOURCE           its resource name, e.g. postgres/main
  COUNTERSIGN_SQL_STATEMENT_TIMEOUT  seconds (default 30)

Exit: 0 executed; 3 refused (nothing ran); 4 undecided at --timeout (nothing ran); 5 ran and failed; 1 error.`,
    async run(values, ctx) {
      const config = settings(ctx.env).sql();
      const statement = str(values._statement);
      if (!statement || !statement.trim()) throw new UsageError("give the statement to run");
      const { SqlExecutor } = await import("./sql-executor");
      const executor = new SqlExecutor(config);
      const result = await executor.run(statement, {
        grant: str(values.grant),
        summary: str(values.summary),
        reasoning: str(values.reasoning),
        idempotencyKey: str(values["idempotency-key"]) ?? randomUUID(),
        waitTimeoutSeconds: seconds(values.timeout, "--timeout"),
        signal: ctx.signal,
        onRequest: (view) => {
          ctx.io.stderr.write(`countersign: request ${view.id} ${view.status} (risk ${view.risk.level}) — review: ${view.reviewUrl}\n`);
          if (UNDECIDED.has(view.status)) ctx.io.stderr.write(`countersign: waiting for ${view.requiredApprovals} approval(s)…\n`);
        },
        onRetry: retryLogger(ctx.io),
      });
      switch (result.status) {
        case "executed":
          printJson(ctx.io, { requestId: result.requestId, status: "executed", ...result.result });
          if (!result.outcomeReported) ctx.io.stderr.write(`countersign: the statement ran, but its outcome could not be reported to Countersign\n`);
          return EXIT.ok;
        case "failed":
          ctx.io.stderr.write(`countersign: the statement failed${result.sqlState ? ` (${result.sqlState})` : ""}: ${result.error}\n`);
          return EXIT.failed;
        case "refused":
          ctx.io.stderr.write(`countersign: refused (${result.code}): ${result.reason}; nothing was run\n`);
          return EXIT.refused;
        case "undecided":
          ctx.io.stderr.write(`countersign: request ${result.request.id} is still ${result.request.status}; nothing was run\n`);
          return EXIT.undecided;
      }
    },
  },

  status: {
    summary: "read a request (optionally wait for its decision)",
    options: { id: { type: "string" }, wait: { type: "boolean" }, timeout: { type: "string" }, json: { type: "boolean" } },
    help: `Usage: countersign status --id ID [--wait [--timeout SECONDS]] [--json]

Reads a request; with --wait, waits for its decision. Output and exit codes as for \`request\`.`,
    async run(values, ctx) {
      required(values, "id");
      const cs = newClient(ctx);
      let view = await cs.getRequest(values.id as string, { signal: ctx.signal });
      if (values.wait && UNDECIDED.has(view.status)) {
        ctx.io.stderr.write(`countersign: request ${view.id} ${view.status} — review: ${view.reviewUrl}\n`);
        view = await waitFor(cs, view, seconds(values.timeout, "--timeout"), ctx);
      }
      return finish(view, { json: values.json === true, waited: values.wait === true }, ctx.io);
    },
  },

  cancel: {
    summary: "withdraw a pending request",
    options: { id: { type: "string" }, json: { type: "boolean" } },
    help: `Usage: countersign cancel --id ID [--json]

Withdraws a pending request.`,
    async run(values, ctx) {
      required(values, "id");
      const view = await newClient(ctx).cancel(values.id as string, { signal: ctx.signal });
      if (values.json) printJson(ctx.io, view);
      else ctx.io.stdout.write(`request ${view.id} ${view.status}\n`);
      return EXIT.ok;
    },
  },

  verify: {
    summary: "verify a grant offline from the JWKS",
    options: { token: { type: "string" }, ...OPERATION_OPTIONS, issuer: { type: "string" }, jwks: { type: "string" } },
    help: `Usage: countersign verify --token T --resource R --environment E [--sql S | --shell C | --operation JSON] [--issuer URL] [--jwks URL]

Verifies a grant from Countersign's published keys alone (no API key needed): exactly EdDSA and
countersign-grant+jwt, signed by a published key, issued by --issuer (default COUNTERSIGN_URL),
unexpired, and for exactly this resource and environment (this executor's own configuration).
With an operation, also that the grant is for exactly that operation. Prints the claims as JSON;
exit 3 when the grant is refused.

  --token T               the grant
  --resource R            the resource this executor fronts (checked against aud)
  --environment E         this executor's environment (checked against env)
  --issuer URL            expected iss (default COUNTERSIGN_URL)
  --jwks URL              key set (default <issuer>/.well-known/jwks.json)`,
    async run(values, ctx) {
      required(values, "token", "resource", "environment");
      const issuer = str(values.issuer) ?? settings(ctx.env).optionalUrl();
      if (!issuer) throw new UsageError("--issuer is required (or set COUNTERSIGN_URL)");
      const hasOperation = values.operation !== undefined || values.sql !== undefined || values.shell !== undefined;
      const operation = hasOperation ? operationFrom(values) : undefined;
      const verifier = ctx.api.createGrantVerifier({ issuer, jwksUrl: str(values.jwks), audience: values.resource as string, environment: values.environment as string });
      try {
        printJson(ctx.io, await verifier.verifyGrant(values.token as string, { operation }));
        return EXIT.ok;
      } catch (error) {
        if (error instanceof Error && error.name === "GrantVerificationError") {
          ctx.io.stderr.write(`countersign: grant refused (${(error as Error & { code: string }).code}): ${error.message}\n`);
          return EXIT.refused;
        }
        throw error;
      }
    },
  },

  redeem: {
    summary: "spend a grant, once, for exactly its operation",
    options: { token: { type: "string" }, ...OPERATION_OPTIONS },
    help: `Usage: countersign redeem --token T (--operation JSON | --sql S --environment E --resource R)

Redeems a grant for exactly this operation, once, before running it. Prints the redemption as
JSON. Refusals (409 already redeemed or revoked, 422 another operation, 401 bad or expired,
403 not yours) exit 3.

${OPERATION_HELP}`,
    async run(values, ctx) {
      required(values, "token");
      const operation = operationFrom(values);
      try {
        printJson(ctx.io, await newClient(ctx).redeemGrant(values.token as string, operation, { signal: ctx.signal }));
        return EXIT.ok;
      } catch (error) {
        if (ctx.api.isCountersignError(error) && [401, 403, 409, 422].includes(error.status)) {
          ctx.io.stderr.write(`countersign: redemption refused (${error.status} ${error.code}): ${error.detail}\n`);
          ctx.io.stderr.write(`countersign: this operation's digest: ${ctx.api.operationDigest(operation)}\n`);
          return EXIT.refused;
        }
        throw error;
      }
    },
  },

  outcome: {
    summary: "report whether the redeemed operation ran",
    options: { id: { type: "string" }, status: { type: "string" }, detail: { type: "string" }, json: { type: "boolean" } },
    help: `Usage: countersign outcome --id ID --status executed|failed [--detail D] [--json]

Reports what happened to a redeemed operation; reviewers see it as reported.`,
    async run(values, ctx) {
      required(values, "id", "status");
      if (values.status !== "executed" && values.status !== "failed") throw new UsageError("--status must be executed or failed");
      const view = await newClient(ctx).reportOutcome(values.id as string, values.status, str(values.detail), { signal: ctx.signal });
      if (values.json) printJson(ctx.io, view);
      else ctx.io.stdout.write(`request ${view.id} ${view.status}\n`);
      return EXIT.ok;
    },
  },
};

const MAIN_HELP = `Usage: countersign <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join("\n")}
  ${"hook".padEnd(10)} a coding agent's hook (claude-code, cursor): ask before its tool calls run

Environment: COUNTERSIGN_URL (Countersign's URL), COUNTERSIGN_API_KEY (the agent's csk_… key);
\`sql\` also reads COUNTERSIGN_SQL_DATABASE_URL, COUNTERSIGN_SQL_ENVIRONMENT, COUNTERSIGN_SQL_RESOURCE.
\`countersign <command> --help\` explains each command.

Exit codes: 0 done; 1 error; 2 usage or configuration; 3 refused (nothing ran); 4 still undecided
at --timeout; 5 the statement ran and failed (sql).`;

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function required(values: Values, ...names: string[]) {
  for (const name of names) if (typeof values[name] !== "string" || values[name] === "") throw new UsageError(`--${name} is required`);
}

function seconds(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number of seconds`);
  return n;
}

function newClient(ctx: Context): CountersignClient {
  const s = settings(ctx.env);
  return new ctx.api.CountersignClient({ baseUrl: s.url(), apiKey: s.apiKey() });
}

/** The operation from --operation, or built from --sql/--shell with --environment and --resource. */
function operationFrom(values: Values): Record<string, unknown> {
  const given = ["operation", "sql", "shell"].filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw new UsageError("give exactly one of --sql, --shell or --operation");
  if (values.operation !== undefined) {
    let operation: unknown;
    try {
      operation = JSON.parse(values.operation as string);
    } catch (error) {
      throw new UsageError(`--operation is not JSON: ${(error as Error).message}`);
    }
    if (!operation || typeof operation !== "object" || Array.isArray(operation)) throw new UsageError("--operation must be a JSON object");
    const op = operation as Record<string, unknown>;
    if (values.environment === undefined && values.resource === undefined) return op;
    const target: Record<string, unknown> = { ...(op.target as object) };
    for (const key of ["environment", "resource"] as const) {
      if (values[key] === undefined) continue;
      if (target[key] !== undefined && target[key] !== values[key]) {
        throw new UsageError(`--${key} ${String(values[key])} disagrees with the operation's target.${key} ${String(target[key])}`);
      }
      target[key] = values[key];
    }
    return { ...op, target };
  }
  required(values, "environment", "resource");
  const target = { environment: values.environment, resource: values.resource };
  return values.sql !== undefined ? { kind: "sql", target, sql: values.sql } : { kind: "shell", target, command: values.shell };
}

function printJson(io: Io, value: unknown) {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a request's result and returns the exit code. */
function finish(view: RequestView, { json, waited }: { json: boolean; waited: boolean }, io: Io): number {
  if (view.status === "approved" && view.grant) {
    printJson(io, json ? view : { requestId: view.id, status: view.status, operationDigest: view.operationDigest, grant: view.grant });
    return EXIT.ok;
  }
  if (REFUSED.has(view.status) || view.status === "approved") {
    if (json) printJson(io, view);
    const why = view.status === "approved" ? "its grant was already used or has lapsed" : (view.reason ?? "no reason given");
    io.stderr.write(`countersign: request ${view.id} ${view.status}: ${why}\n`);
    return EXIT.refused;
  }
  printJson(io, json ? view : { requestId: view.id, status: view.status, reviewUrl: view.reviewUrl });
  if (UNDECIDED.has(view.status) && waited) {
    io.stderr.write(`countersign: request ${view.id} is still ${view.status}; resume with: countersign status --id ${view.id} --wait\n`);
    return EXIT.undecided;
  }
  return EXIT.ok;
}

function retryLogger(io: Io) {
  return (error: unknown, attempt: number, delayMs: number) => {
    if (attempt === 1 || attempt % 10 === 0) {
      io.stderr.write(`countersign: connection lost (${(error as Error)?.message ?? error}); reconnecting in ${Math.round(delayMs)} ms…\n`);
    }
  };
}

async function waitFor(cs: CountersignClient, view: RequestView, timeoutSeconds: number | undefined, ctx: Context): Promise<RequestView> {
  try {
    return await cs.waitForDecision(view.id, { timeoutSeconds, signal: ctx.signal, onRetry: retryLogger(ctx.io) });
  } catch (error) {
    if (ctx.signal.aborted) {
      ctx.io.stderr.write(`countersign: stopped waiting; request ${view.id} is still open. Resume with: countersign status --id ${view.id} --wait\n`);
      throw new Interrupted();
    }
    throw error;
  }
}

/** Runs one command line; returns the exit code. */
export async function main(argv: string[], env: Env, io: Io, signal: AbortSignal = new AbortController().signal): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    (name ? io.stdout : io.stderr).write(`${MAIN_HELP}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "hook") {
    // Its own contract (the harness's JSON in and out, deny on any error): client/hooks/main.ts.
    const { runHook, readAll } = await import("./hooks/main");
    return runHook(rest, env, { stdout: io.stdout, stderr: io.stderr, readStdin: io.readStdin ?? (() => readAll(process.stdin)) }, signal);
  }
  const command = COMMANDS[name];
  let api: ClientApi | undefined;
  if (!command) {
    io.stderr.write(`countersign: unknown command ${name}\n\n${MAIN_HELP}\n`);
    return EXIT.usage;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: name === "sql",
    });
    if (values.help) {
      io.stdout.write(`${command.help}\n`);
      return EXIT.ok;
    }
    if (positionals.length > 1) throw new UsageError("give the statement as one argument (quote it)");
    // The HTTP client (jose, zod) and the SQL executor (pg) are imported only now, so `--help`
    // and usage errors answer without loading them.
    api = await import("./index");
    return await command.run({ ...values, _statement: positionals[0] }, { env, io, signal, api });
  } catch (error) {
    if (error instanceof Interrupted) return EXIT.interrupted;
    if (signal.aborted) {
      io.stderr.write("countersign: interrupted; nothing was run, and any request stays open\n");
      return EXIT.interrupted;
    }
    if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith?.("ERR_PARSE_ARGS")) {
      io.stderr.write(`countersign ${name}: ${(error as Error).message}\n(see: countersign ${name} --help)\n`);
      return EXIT.usage;
    }
    if (api?.isCountersignError(error)) {
      const fields = error.errors.map((e) => `\n  ${e.field ?? ""}: ${e.message ?? ""}`).join("");
      io.stderr.write(`countersign: ${error.status} ${error.code}: ${error.detail}${fields}\n`);
      return EXIT.error;
    }
    const cause = (error as { cause?: { message?: string } })?.cause?.message;
    io.stderr.write(`countersign: ${(error as Error)?.message ?? String(error)}${cause ? ` (${cause})` : ""}\n`);
    return EXIT.error;
  }
}
