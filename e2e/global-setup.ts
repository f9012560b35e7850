// Builds the app once, starts the real server on a fresh embedded database, and creates the
// reviewers and the agent every spec uses (through the admin CLI, as an operator would). When
// TEST_DATABASE_URL names a PostgreSQL server (always in CI), a second instance of the same build
// runs on a fresh database there for the `postgres` project, and the database is dropped after.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
// @ts-expect-error — plain ESM script shared with `npm start`
import { ensureBuild } from "../scripts/ensure-build.mjs";
import { freePort, runCli, startApp, type AppServer } from "../test/app-server";
import { ADMIN, COOL_DOWN_AGENT, PASSWORD, POSTGRES_PROJECT, POSTGRES_STATE_FILE, STATE_FILE, USERS, type E2EState } from "./state";
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcProvider } from "./oidc-provider";
import { startSlackStandIn } from "../test/slack-web-api";

export default async function globalSetup(config: FullConfig) {
  const started = Date.now();
  await ensureBuild();
  const onPostgres = config.projects.some((p) => p.name === POSTGRES_PROJECT);
  // The embedded server first; then the PostgreSQL one starts while the embedded one is populated,
  // so it adds little to the run's start-up without two servers booting at once.
  const embedded = await startEmbedded();
  const results = await Promise.allSettled([embedded.populate(started), onPostgres ? startOnPostgres(started) : Promise.resolve(undefined)]);
  const stops = [embedded.stop, ...results.flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : []))];
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(stops.map((stop) => stop()));
    throw failed.reason;
  }
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}

/**
 * Reviewers (the admin comes from the environment) and the shared agent, through the admin CLI:
 * in turn on the embedded database (one process at a time reaches it), together on PostgreSQL.
 */
async function addPeople(env: Record<string, string>, together: boolean): Promise<{ agentName: string; key: string }> {
  const addUser = async (user: (typeof USERS)[keyof typeof USERS]) => {
    const res = await runCli(["user", "add", `--email=${user.email}`, `--role=${user.role}`, `--name=${user.name}`], env, `${PASSWORD}\n`);
    if (res.code !== 0) throw new Error(`user add ${user.email} failed: ${res.stderr}`);
  };
  if (together) await Promise.all(Object.values(USERS).map(addUser));
  else for (const user of Object.values(USERS)) await addUser(user);
  const agentName = "e2e-deploy-bot";
  const agent = await runCli(
    ["agent", "add", `--name=${agentName}`, "--environments=production,staging,development", `--owner=${USERS.owner.email}`, "--json"],
    env,
  );
  if (agent.code !== 0) throw new Error(`agent add failed: ${agent.stderr}`);
  return { agentName, key: (JSON.parse(agent.stdout) as { key: string }).key };
}

/** Browse by name: Next.js turns 127.0.0.1 into localhost in request URLs, so next-auth's redirects would leave the origin the cookies belong to. */
function browseUrl(server: AppServer): string {
  return server.url.replace("127.0.0.1", "localhost");
}

function writeState(file: string, state: E2EState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}

async function startEmbedded(): Promise<{ populate(started: number): Promise<undefined>; stop(): Promise<void> }> {
  // A stand-in identity provider, so single sign-on is exercised too; and one for Slack's Web API,
  // which the server calls once an admin sets a bot token (e2e/slack.spec.ts).
  const oidc = await startOidcProvider();
  const slack = await startSlackStandIn();
  const pgProxyPort = await freePort();
  const server = await startApp({
    env: {
      COUNTERSIGN_ADMIN_EMAIL: ADMIN.email,
      COUNTERSIGN_ADMIN_PASSWORD: PASSWORD,
      AUTH_OIDC_ISSUER: oidc.issuer,
      AUTH_OIDC_ID: OIDC_CLIENT_ID,
      AUTH_OIDC_SECRET: OIDC_CLIENT_SECRET,
      COUNTERSIGN_PG_PROXY_PORT: String(pgProxyPort),
      COUNTERSIGN_SLACK_API_URL: slack.url,
      LOG_LEVEL: "warn",
    },
  }).catch(async (error) => {
    await Promise.all([oidc.close(), slack.close()]);
    throw error;
  });
  return {
    async populate(started) {
      try {
        const { agentName, key } = await addPeople(server.env, false);
        const coolDownAgent = await coolDownAgentWithPolicy(server.env);
        const url = browseUrl(server);
        const state: E2EState = {
          url,
          dataDir: server.dataDir,
          cliEnv: { COUNTERSIGN_DATA_DIR: server.dataDir },
          agentName,
          agentKey: key,
          coolDownAgent,
          pgProxyPort,
          slackApiUrl: slack.url,
        };
        writeState(STATE_FILE, state);
        console.log(`e2e: server at ${url}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        console.error(server.logs());
        throw error;
      }
      return undefined;
    },
    async stop() {
      await server.stop();
      await Promise.all([oidc.close(), slack.close()]);
    },
  };
}

/** The same build on a fresh database on TEST_DATABASE_URL's server, for the `postgres` project. */
async function startOnPostgres(started: number): Promise<() => Promise<void>> {
  // Imported only here: the module insists on TEST_DATABASE_URL under CI.
  const { createPostgresDatabase } = await import("../test/databases");
  const database = await createPostgresDatabase();
  let server: AppServer | undefined;
  try {
    server = await startApp({
      databaseUrl: database.url,
      env: { COUNTERSIGN_ADMIN_EMAIL: ADMIN.email, COUNTERSIGN_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: "warn" },
    });
    const cliEnv = { DATABASE_URL: database.url, AUTH_SECRET: server.env.AUTH_SECRET! };
    const { agentName, key } = await addPeople(server.env, true);
    const url = browseUrl(server);
    // No cool-down agent, proxy or Slack stand-in: the specs this project runs use none of them.
    const state: E2EState = { url, dataDir: server.dataDir, cliEnv, agentName, agentKey: key, coolDownAgent: { name: "", key: "" }, pgProxyPort: 0, slackApiUrl: "" };
    writeState(POSTGRES_STATE_FILE, state);
    console.log(`e2e: server on PostgreSQL at ${url}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    if (server) console.error(server.logs());
    await server?.stop();
    await database.drop();
    throw error;
  }
  return async () => {
    await server!.stop();
    await database.drop();
  };
}

/**
 * A second agent whose approvals cool down for an hour before the grant is issued: its own policy
 * rule, placed after production-critical so the policy spec's rule numbers stay as they are.
 */
async function coolDownAgentWithPolicy(env: Record<string, string>): Promise<{ name: string; key: string }> {
  const added = await runCli(["agent", "add", `--name=${COOL_DOWN_AGENT}`, "--environments=staging", "--json"], env);
  if (added.code !== 0) throw new Error(`agent add ${COOL_DOWN_AGENT} failed: ${added.stderr}`);
  const exported = await runCli(["policy", "export"], env);
  if (exported.code !== 0) throw new Error(`policy export failed: ${exported.stderr}`);
  const rule = [
    "- id: e2e-cool-down",
    "  description: Approvals for the cool-down agent wait an hour",
    "  match:",
    "    agents:",
    `      - ${COOL_DOWN_AGENT}`,
    "  effect:",
    "    type: require_approval",
    "    approvals: 1",
    "    coolDownSeconds: 3600",
    "",
  ].join("\n");
  const anchor = "- id: production-medium-high\n";
  if (!exported.stdout.includes(anchor)) throw new Error("the default policy no longer has production-medium-high");
  const file = path.join(path.dirname(STATE_FILE), "policy-cool-down.yaml");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, exported.stdout.replace(anchor, rule + anchor));
  const imported = await runCli(["policy", "import", `--file=${file}`, "--note=e2e: a cool-down agent"], env);
  if (imported.code !== 0) throw new Error(`policy import failed: ${imported.stderr}`);
  return { name: COOL_DOWN_AGENT, key: (JSON.parse(added.stdout) as { key: string }).key };
}
