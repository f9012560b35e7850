// What the global set-up creates and every spec reads: the server's URL, the reviewers and the agent.
// Each Playwright project has a server of its own: `embedded` (every spec) and, when PostgreSQL is
// available, `postgres` (a few whole-loop specs on a second instance of the same build).
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "@playwright/test";

export const STATE_FILE = path.join(import.meta.dirname, ".artifacts", "state.json");
export const POSTGRES_STATE_FILE = path.join(import.meta.dirname, ".artifacts", "state-postgres.json");
/** The project that runs the app on PostgreSQL (playwright.config.ts). */
export const POSTGRES_PROJECT = "postgres";
export const PASSWORD = "e2e correct horse battery staple";

export interface E2EUser {
  email: string;
  name: string;
  role: "viewer" | "approver" | "admin";
}

export const ADMIN: E2EUser = { email: "admin@e2e.example", name: "Ada Admin", role: "admin" };
export const USERS = {
  alice: { email: "alice@e2e.example", name: "Alice Approver", role: "approver" },
  bob: { email: "bob@e2e.example", name: "Bob Approver", role: "approver" },
  owner: { email: "owner@e2e.example", name: "Olga Owner", role: "approver" },
  viewer: { email: "viewer@e2e.example", name: "Vic Viewer", role: "viewer" },
} satisfies Record<string, E2EUser>;

/** The policy rule global set-up adds for the cool-down agent, just after production-critical. */
export const COOL_DOWN_AGENT = "e2e-cooldown-bot";

export interface E2EState {
  url: string;
  dataDir: string;
  /** What the admin CLI needs to reach this server's database (its data folder, or DATABASE_URL and AUTH_SECRET). */
  cliEnv: Record<string, string>;
  agentName: string;
  agentKey: string;
  /** An agent whose approvals go through a one-hour cool-down (a policy rule of its own). */
  coolDownAgent: { name: string; key: string };
  /** The server's PostgreSQL wire-protocol proxy (127.0.0.1). */
  pgProxyPort: number;
  /** The stand-in for Slack's Web API the server calls with a bot token (test/slack-web-api.ts). */
  slackApiUrl: string;
}

const cached = new Map<string, E2EState>();

/** The state of the server the running test's project uses (a worker only ever runs one project). */
export function e2eState(): E2EState {
  let project = "";
  try {
    project = test.info().project.name;
  } catch {
    // Outside a test: the embedded server.
  }
  const file = project === POSTGRES_PROJECT ? POSTGRES_STATE_FILE : STATE_FILE;
  let state = cached.get(file);
  if (!state) {
    state = JSON.parse(readFileSync(file, "utf8")) as E2EState;
    cached.set(file, state);
  }
  return state;
}
