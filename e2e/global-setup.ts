// Builds the app once, starts the real server on a fresh embedded database, and creates the
// reviewers and the agent every spec uses (through the admin CLI, as an operator would).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
// @ts-expect-error — plain ESM script shared with `npm start`
import { ensureBuild } from "../scripts/ensure-build.mjs";
import { runCli, startApp } from "../test/app-server";
import { ADMIN, PASSWORD, STATE_FILE, USERS, type E2EState } from "./state";
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcProvider } from "./oidc-provider";

export default async function globalSetup(_config: FullConfig) {
  const started = Date.now();
  ensureBuild();
  // A stand-in identity provider, so single sign-on is exercised too.
  const oidc = await startOidcProvider();
  const server = await startApp({
    env: {
      COUNTERSIGN_ADMIN_EMAIL: ADMIN.email,
      COUNTERSIGN_ADMIN_PASSWORD: PASSWORD,
      AUTH_OIDC_ISSUER: oidc.issuer,
      AUTH_OIDC_ID: OIDC_CLIENT_ID,
      AUTH_OIDC_SECRET: OIDC_CLIENT_SECRET,
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
    // Browse by name: Next.js turns 127.0.0.1 into localhost in request URLs, so next-auth's
    // redirects would leave the origin the cookies belong to.
    const url = server.url.replace("127.0.0.1", "localhost");
    const state: E2EState = { url, dataDir: server.dataDir, agentName, agentKey: key };
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
