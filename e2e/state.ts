// What the global set-up creates and every spec reads: the server's URL, the reviewers and the agent.
import { readFileSync } from "node:fs";
import path from "node:path";

export const STATE_FILE = path.join(import.meta.dirname, ".artifacts", "state.json");
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
  agentName: string;
  agentKey: string;
  /** An agent whose approvals go through a one-hour cool-down (a policy rule of its own). */
  coolDownAgent: { name: string; key: string };
  /** The server's PostgreSQL wire-protocol proxy (127.0.0.1). */
  pgProxyPort: number;
}

let cached: E2EState | undefined;
export function e2eState(): E2EState {
  cached ??= JSON.parse(readFileSync(STATE_FILE, "utf8")) as E2EState;
  return cached;
}
