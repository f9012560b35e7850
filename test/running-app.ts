// The real server on one database kind, at a fixed address (COUNTERSIGN_URL = the address clients
// use), with what tests of outside clients need: agents, reviewers' decisions, and a restart on the
// same port and data. Reviewers decide through decideRequest, as the dashboard does. The embedded
// database is open in one process at a time, so there a decision stops the server, is recorded on
// its data folder and starts the server again; on PostgreSQL it is recorded while the server runs.
import { openEmbedded, openPostgres, type Database } from "../lib/db";
import { loadConfig, type Config } from "../lib/env";
import type { Decision } from "../lib/requests/decide-request";
import { decideRequest } from "./decide";
import { createUser } from "../lib/users";
import { createPostgresDatabase, type DatabaseKind } from "./databases";
import { freePort, runCli, startApp, tempDataDir, type AppServer, type CliResult } from "./app-server";

const AUTH_SECRET = "client-tests-shared-auth-secret-0123456789abcdef";

export interface RunningApp {
  kind: DatabaseKind;
  /** Countersign's URL: where it listens and what it signs as `iss`. */
  url: string;
  server: AppServer;
  /** The admin CLI against this app (through the server's socket on the embedded database). */
  cli(args: string[]): Promise<CliResult>;
  /** A new agent's key. */
  addAgent(name: string, options: { environments: string[]; scopes?: string[] }): Promise<string>;
  /** A reviewer decides these requests. On the embedded database the server restarts around it. */
  decide(...decisions: Array<{ requestId: string; decision: Decision }>): Promise<void>;
  /** Stops the server, runs `whileDown` on its database, and starts it again on the same port and data. */
  restart(whileDown?: (database: Database, cfg: Config) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function startRunningApp(kind: DatabaseKind): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const postgres = kind === "postgres" ? await createPostgresDatabase() : undefined;
  const dataDir = postgres ? undefined : tempDataDir();
  const options = { port, dataDir, databaseUrl: postgres?.url, env: { COUNTERSIGN_URL: url, ...(postgres ? { AUTH_SECRET } : {}) } };
  const cfg = () =>
    loadConfig({ PORT: String(port), COUNTERSIGN_URL: url, LOG_LEVEL: "silent", ...(postgres ? { DATABASE_URL: postgres.url, AUTH_SECRET } : { COUNTERSIGN_DATA_DIR: dataDir }) });

  let server = await startApp(options);
  let shared: Database | undefined; // PostgreSQL only: the test's own connection, alongside the server
  let reviewerId: string | undefined;

  async function withDatabase<T>(fn: (database: Database, cfg: Config) => Promise<T>): Promise<T> {
    if (postgres) {
      shared ??= await openPostgres(postgres.url);
      return fn(shared, cfg());
    }
    if (server.process.exitCode === null) throw new Error("the embedded database is the running server's: stop it first");
    const database = await openEmbedded(dataDir, { holder: "test" });
    try {
      return await fn(database, cfg());
    } finally {
      await database.close();
    }
  }

  async function reviewer(database: Database): Promise<string> {
    reviewerId ??= (await createUser(database.prisma, { email: `reviewer-${port}@client.example`, role: "admin" }, { type: "system" })).id;
    return reviewerId;
  }

  const app: RunningApp = {
    kind,
    url,
    get server() {
      return server;
    },
    cli: (args) => runCli(args, { ...server.env, LOG_LEVEL: "silent" }),
    async addAgent(name, { environments, scopes }) {
      const args = ["agent", "add", "--name", name, "--environments", environments.join(","), "--json"];
      if (scopes) args.push("--scopes", scopes.join(","));
      const added = await app.cli(args);
      if (added.code !== 0) throw new Error(`agent add failed: ${added.stderr}`);
      return JSON.parse(added.stdout).key as string;
    },
    async decide(...decisions) {
      const record = async (database: Database, config: Config) => {
        const reviewerId = await reviewer(database);
        for (const { requestId, decision } of decisions) await decideRequest(database.prisma, config, { requestId, reviewerId, decision });
      };
      if (postgres) await withDatabase(record);
      else await app.restart(record);
    },
    async restart(whileDown) {
      await server.stop();
      if (whileDown) await withDatabase(whileDown);
      server = await startApp(options);
    },
    async close() {
      await server.stop();
      await shared?.close();
      await postgres?.drop();
    },
  };
  return app;
}
