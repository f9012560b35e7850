// Builds the app once, starts the real server on a fresh embedded database, and creates the
// reviewers and the agent every spec uses (through the admin CLI, as an operator would).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
// @ts-expect-error — plain ESM script shared with `npm start`
import { ensureBuild } from "../scripts/ensure-build.mjs";
import { freePort, runCli, startApp } from "../test/app-server";
import { ADMIN, COOL_DOWN_AGENT, PASSWORD, STATE_FILE, USERS, type E2EState } from "./state";
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcProvider } from "./oidc-provider";

export default async function globalSetup(_config: FullConfig) {
  const started = Date.now();
  await ensureBuild();
  // A stand-in identity provider, so single sign-on is exercised too.
  const oidc = await startOidcProvider();
  const pgProxyPort = await freePort();
  const server = await startApp({
    env: {
      COUNTERSIGN_ADMIN_EMAIL: ADMIN.email,
      COUNTERSIGN_ADMIN_PASSWORD: PASSWORD,
      AUTH_OIDC_ISSUER: oidc.issuer,
      AUTH_OIDC_ID: OIDC_CLIENT_ID,
      AUTH_OIDC_SECRET: OIDC_CLIENT_SECRET,
      COUNTERSIGN_PG_PROXY_PORT: String(pgProxyPort),
      LOG_LEVEL: "warn",
    },
  });
  try {
    for (const user of Object.values(USERS)) {
      const res = await runCli(["user", "add", `--email=${user.email}`, `--role=${user.role}`, `--name=${user.name}`], server.env, `${PASSWORD}\n`);
      if (res.code !== 0) throw new Error(`user add ${user.email} failed: ${res.stderr}`);
    }
    const agentName = "e2e-deploy-bot";
    const agent = await runCli(
      ["agent", "add", `--name=${agentName}`, "--environments=production,staging,development", `--owner=${USERS.owner.email}`, "--json"],
      server.env,
    );
    if (agent.code !== 0) throw new Error(`agent add failed: ${agent.stderr}`);
    const { key } = JSON.parse(agent.stdout) as { key: string };
    const coolDownAgent = await coolDownAgentWithPolicy(server.env);
    // Browse by name: Next.js turns 127.0.0.1 into localhost in request URLs, so next-auth's
    // redirects would leave the origin the cookies belong to.
    const url = server.url.replace("127.0.0.1", "localhost");
    const state: E2EState = { url, dataDir: server.dataDir, agentName, agentKey: key, coolDownAgent, pgProxyPort };
    mkdirSync(path.dirname(STATE_FILE), { recursive: true });
    writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
    console.log(`e2e: server at ${url}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(server.logs());
    await server.stop();
    await oidc.close();
    throw error;
  }
  return async () => {
    await server.stop();
    await oidc.close();
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
