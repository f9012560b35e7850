// What each admin command accepts. The functions themselves live in lib/admin/commands.ts.
import { readFileSync } from "node:fs";
import { HTTP_PROVIDER_CATALOGS } from "../lib/risk/http-providers";
import { WEBHOOK_EVENT_TYPES } from "../lib/webhooks/events";
export interface OptionSpec {
  type: "string" | "boolean";
  help: string;
  required?: boolean;
  placeholder?: string;
}

export interface CommandSpec {
  summary: string;
  details?: string;
  options: Record<string, OptionSpec>;
  passwordFromStdin?: boolean;
  /** A secret read from standard input (never argv, which other users can see), passed as `arg`. */
  secretFromStdin?: { arg: string; prompt: string; missing: string };
  toArgs?: (values: Record<string, string | boolean | undefined>) => Record<string, unknown>;
  exitCode?: (result: unknown) => number;
}

const CONNECTION_URL_FROM_STDIN = {
  arg: "connectionUrl",
  prompt: "Connection URL: ",
  missing: "Give the connection URL on standard input (postgresql://user:password@host:5432/database).",
} as const;

const RESOURCE_SECRET_FROM_STDIN = {
  arg: "secret",
  prompt: "Connection URL (postgres) or credential (http): ",
  missing: "Give the connection URL on standard input (postgresql://user:password@host:5432/database); for --type http, the credential (the token, or user:password for basic).",
} as const;

const ROLE = { type: "string", help: "viewer, approver or admin", placeholder: "ROLE" } as const;

/** Turns `30d`, `12h`, `90m` or an ISO date into an ISO date. */
function expiry(values: Record<string, string | boolean | undefined>): string | undefined {
  const v = values["expires-in"] ?? values["expires-at"];
  if (typeof v !== "string") return undefined;
  const m = /^(\d+)([dhm])$/.exec(v);
  if (m) {
    const ms = Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"];
    return new Date(Date.now() + ms).toISOString();
  }
  const date = new Date(v);
  if (Number.isNaN(date.getTime())) throw new Error(`Not a date or duration: ${v}`);
  return date.toISOString();
}

/**
 * Builds `policy test`'s operation here, in the CLI process, so a file path is read relative to
 * the caller and only JSON travels to the server's admin socket. Validation happens in the command.
 */
function policyTestArgs(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const text = (key: string) => (typeof values[key] === "string" && values[key] !== "" ? (values[key] as string) : undefined);
  const sources = ["operation", "file", "sql", "shell", "request"].filter((key) => text(key) !== undefined);
  if (sources.length !== 1) throw new Error("Give exactly one of --operation, --file, --sql, --shell or --request.");
  let operation: unknown;
  const json = text("operation") ?? (text("file") ? readFileSync(text("file")!, "utf8") : undefined);
  if (json !== undefined) {
    try {
      operation = JSON.parse(json);
    } catch (error) {
      throw new Error(`The operation is not valid JSON: ${(error as Error).message}`);
    }
  } else if (text("sql") !== undefined) {
    operation = { kind: "sql", sql: text("sql") };
  } else if (text("shell") !== undefined) {
    operation = { kind: "shell", command: text("shell") };
  }
  return { operation, request: text("request"), environment: text("environment"), resource: text("resource"), agent: text("agent") };
}

export const SPECS: Record<string, CommandSpec> = {
  "user add": {
    summary: "Add a reviewer; the password is read from standard input",
    details: "Example: printf '%s' \"$PASSWORD\" | npm run cli -- user add --email ana@example.com --role approver",
    options: {
      email: { type: "string", help: "sign-in email", required: true, placeholder: "EMAIL" },
      role: { ...ROLE, required: true },
      name: { type: "string", help: "display name", placeholder: "NAME" },
      "no-password": { type: "boolean", help: "no password (the user signs in with OIDC)" },
    },
    passwordFromStdin: true,
  },
  "user list": { summary: "List users", options: {} },
  "user disable": { summary: "Disable a user (signed out on their next request)", options: { email: { type: "string", help: "the user", required: true, placeholder: "EMAIL" } } },
  "user enable": { summary: "Enable a disabled user", options: { email: { type: "string", help: "the user", required: true, placeholder: "EMAIL" } } },
  "user role": {
    summary: "Change a user's role",
    options: { email: { type: "string", help: "the user", required: true, placeholder: "EMAIL" }, role: { ...ROLE, required: true } },
  },
  "user password": {
    summary: "Set a user's password, read from standard input",
    options: { email: { type: "string", help: "the user", required: true, placeholder: "EMAIL" } },
    passwordFromStdin: true,
  },
  "agent add": {
    summary: "Add an agent and print its first API key (shown once)",
    details: "Example: npm run cli -- agent add --name deploy-bot --environments staging,production --owner ana@example.com",
    options: {
      name: { type: "string", help: "unique agent name", required: true, placeholder: "NAME" },
      environments: { type: "string", help: "comma-separated environments it may target", required: true, placeholder: "a,b" },
      resources: { type: "string", help: "comma-separated resource patterns it may target, '*' a wildcard (default: *)", placeholder: "a,b" },
      owner: { type: "string", help: "email of the user who owns it (never approves its requests)", placeholder: "EMAIL" },
      scopes: { type: "string", help: "requests:create,requests:read,grants:redeem (default: the first two)", placeholder: "LIST" },
      description: { type: "string", help: "what the agent is for", placeholder: "TEXT" },
      "expires-in": { type: "string", help: "key lifetime, e.g. 90d, 12h (default: no expiry)", placeholder: "DURATION" },
    },
    toArgs: (v) => ({ ...v, expiresAt: expiry(v) }),
  },
  "agent list": { summary: "List agents and their keys", options: {} },
  "agent disable": { summary: "Disable an agent (its keys stop working)", options: { name: { type: "string", help: "the agent", required: true, placeholder: "NAME" } } },
  "agent enable": { summary: "Enable a disabled agent", options: { name: { type: "string", help: "the agent", required: true, placeholder: "NAME" } } },
  "agent unquarantine": {
    summary: "Lift the circuit breaker's quarantine from an agent (its keys work again)",
    options: { name: { type: "string", help: "the agent", required: true, placeholder: "NAME" } },
  },
  "agent key add": {
    summary: "Issue another API key for an agent (shown once)",
    options: {
      agent: { type: "string", help: "the agent", required: true, placeholder: "NAME" },
      label: { type: "string", help: "a label for the key", placeholder: "TEXT" },
      "expires-in": { type: "string", help: "key lifetime, e.g. 90d, 12h", placeholder: "DURATION" },
      "expires-at": { type: "string", help: "key expiry as an ISO date", placeholder: "DATE" },
    },
    toArgs: (v) => ({ ...v, expiresAt: expiry(v) }),
  },
  "agent key revoke": {
    summary: "Revoke an API key",
    options: { key: { type: "string", help: "key id, or its lookup id (the hex after csk_)", required: true, placeholder: "ID" } },
  },
  "env add": {
    summary: "Define an environment",
    options: {
      name: { type: "string", help: "environment name", required: true, placeholder: "NAME" },
      tier: { type: "string", help: "production or other", required: true, placeholder: "TIER" },
      description: { type: "string", help: "what it is", placeholder: "TEXT" },
    },
  },
  "env tier": {
    summary: "Change an environment's tier",
    options: {
      name: { type: "string", help: "environment name", required: true, placeholder: "NAME" },
      tier: { type: "string", help: "production or other", required: true, placeholder: "TIER" },
    },
  },
  "env list": { summary: "List environments", options: {} },
  "env bind": {
    summary: "Declare which HTTP hosts and resource names belong to an environment, whatever an agent says",
    details: "Example: npm run cli -- env bind --name production --hosts 'backboard.railway.app,*.railway.app' --resources 'railway/*'\nGiving an option replaces that list; an empty value clears it.",
    options: {
      name: { type: "string", help: "environment name", required: true, placeholder: "NAME" },
      hosts: { type: "string", help: "comma-separated host names or globs", placeholder: "HOSTS" },
      resources: { type: "string", help: "comma-separated resource name patterns", placeholder: "PATTERNS" },
    },
  },
  "resource add": {
    summary: "Register a PostgreSQL database (connection URL) or an HTTP API (its credential) for Countersign's executors; the secret is read from standard input",
    details: [
      "The secret is stored encrypted and is never shown again, logged or audited. It is read from standard input,",
      "never from the command line, which other users of the machine can see. Typed at a terminal, it is not echoed.",
      "Example: printf '%s' \"$ORDERS_DB_URL\" | npm run cli -- resource add --name postgres/orders --environment production",
      "Example: printf '%s' \"$TOKEN\" | npm run cli -- resource add --name railway/prod --environment production --type http \\",
      "           --base-url https://backboard.railway.app --auth bearer --catalog railway",
      "Example: printf 'GITHUB_TOKEN=%s\\n' \"$TOKEN\" | npm run cli -- resource add --name mcp/github --environment production --type mcp \\",
      "           --command \"npx -y @modelcontextprotocol/server-github\"   (no secrets: printf '' | …)",
      `Catalogs (--catalog): ${Object.keys(HTTP_PROVIDER_CATALOGS).join(", ")}. Without one, the base URL's host decides which provider judges the calls.`,
    ].join("\n"),
    options: {
      name: { type: "string", help: "unique name agents use (lower-case letters, digits, . _ / -)", required: true, placeholder: "NAME" },
      environment: { type: "string", help: "its environment (policy uses the environment's tier)", required: true, placeholder: "ENV" },
      description: { type: "string", help: "what it is", placeholder: "TEXT" },
      type: { type: "string", help: "postgres (default), http or mcp", placeholder: "TYPE" },
      command: { type: "string", help: "mcp: the stdio command that starts the upstream MCP server (its environment as KEY=value lines on standard input)", placeholder: "CMD" },
      url: { type: "string", help: "mcp: the upstream's Streamable HTTP URL (its auth header, `Name: value`, on standard input)", placeholder: "URL" },
      "base-url": { type: "string", help: "http: the API's base URL", placeholder: "URL" },
      auth: { type: "string", help: "http: how the credential is sent: bearer, basic (user:password), header:NAME or query:NAME", placeholder: "HOW" },
      methods: { type: "string", help: "http: comma-separated methods allowed (default: all)", placeholder: "GET,POST" },
      "path-prefixes": { type: "string", help: "http: comma-separated path prefixes allowed (default: all)", placeholder: "/a,/b" },
      "allow-private-network": { type: "boolean", help: "http: allow a host that resolves to a loopback, private or link-local address" },
      catalog: { type: "string", help: "http: which provider's catalog judges the calls (see above)", placeholder: "NAME" },
      timeout: { type: "string", help: "http: seconds a call may take (1–120, default 30)", placeholder: "SECONDS" },
    },
    secretFromStdin: RESOURCE_SECRET_FROM_STDIN,
  },
  "resource list": { summary: "List resources with their type (never their connection URLs or credentials)", options: {} },
  "resource set-url": {
    summary: "Replace a resource's connection URL (e.g. a rotated password) or an HTTP resource's credential, read from standard input",
    details: "Example: printf '%s' \"$NEW_ORDERS_DB_URL\" | npm run cli -- resource set-url --name postgres/orders",
    options: { name: { type: "string", help: "the resource", required: true, placeholder: "NAME" } },
    secretFromStdin: CONNECTION_URL_FROM_STDIN,
  },
  "resource remove": {
    summary: "Remove a resource: the built-in executor can no longer reach it",
    options: { name: { type: "string", help: "the resource", required: true, placeholder: "NAME" } },
  },
  "webhook add": {
    summary: "Add a webhook endpoint (Standard Webhooks, signed); prints its signing secret once",
    details: [
      "Example: npm run cli -- webhook add --url https://siem.example.com/countersign --events request.created,request.decided,audit.checkpoint",
      `Events: ${WEBHOOK_EVENT_TYPES.join(", ")}.`,
      "https only (plain http only to localhost); never Countersign itself or a cloud metadata address.",
    ].join("\n"),
    options: {
      url: { type: "string", help: "where deliveries are POSTed", required: true, placeholder: "URL" },
      events: { type: "string", help: "comma-separated event types", required: true, placeholder: "a,b" },
      description: { type: "string", help: "what receives them, e.g. the SIEM's name", placeholder: "TEXT" },
    },
  },
  "webhook list": { summary: "List webhook endpoints with their last delivery (never their secrets)", options: {} },
  "webhook disable": {
    summary: "Stop delivering to an endpoint; new events are not queued for it",
    options: { id: { type: "string", help: "the endpoint's id", required: true, placeholder: "ID" } },
  },
  "webhook enable": {
    summary: "Deliver to a disabled endpoint again",
    options: { id: { type: "string", help: "the endpoint's id", required: true, placeholder: "ID" } },
  },
  "webhook remove": {
    summary: "Remove a webhook endpoint and its delivery history",
    options: { id: { type: "string", help: "the endpoint's id", required: true, placeholder: "ID" } },
  },
  "audit verify": {
    summary: "Verify the audit log's hash chain; exits 1 naming the first broken sequence number",
    details: "With --checkpoints, also holds the log against signed checkpoints (COUNTERSIGN_AUDIT_CHECKPOINT_FILE, or a copy at a URL): deleted newest rows and rewritten chains are reported.",
    options: { checkpoints: { type: "string", help: "a checkpoint file (one JSON line each) or an http(s) URL serving one", placeholder: "FILE|URL" } },
    exitCode: (r) => ((r as { ok: boolean }).ok ? 0 : 1),
  },
  "keys rotate": {
    summary: "Rotate the grant signing key (the new key is published before use)",
    options: {
      "activate-after": {
        type: "string",
        help: "seconds the new key is published before it signs (default 120, longer than executors cache the key set; less only if every executor refetches at once)",
        placeholder: "SECONDS",
      },
    },
  },
  "setup-link": { summary: "Print a one-time link to create the first admin (only while no user exists)", options: {} },
  "policy test": {
    summary: "Simulate the current policy on an operation: its findings, the rule that matches and the effect",
    details: [
      "Examples:",
      "  npm run cli -- policy test --sql \"DROP TABLE customers\" --environment production --resource postgres/main",
      "  npm run cli -- policy test --operation '{\"kind\":\"shell\",\"command\":\"terraform destroy\",\"target\":{\"environment\":\"staging\",\"resource\":\"infra\"}}'",
      "  npm run cli -- policy test --file operation.json --agent deploy-bot --json",
      "  npm run cli -- policy test --request 6f1c…   (replays a past request's operation and agent)",
      "--environment and --resource fill in, or replace, the operation's target.",
    ].join("\n"),
    options: {
      operation: { type: "string", help: "the operation as JSON (kind, target and the kind's fields)", placeholder: "JSON" },
      file: { type: "string", help: "read the operation's JSON from this file", placeholder: "PATH" },
      sql: { type: "string", help: "shorthand for a SQL operation", placeholder: "SQL" },
      shell: { type: "string", help: "shorthand for a shell operation", placeholder: "COMMAND" },
      request: { type: "string", help: "simulate a past request's operation (and agent) under the current policy", placeholder: "ID" },
      environment: { type: "string", help: "the target environment (its tier comes from the database)", placeholder: "ENV" },
      resource: { type: "string", help: "the target resource", placeholder: "NAME" },
      agent: { type: "string", help: "simulate as this agent (name or id)", placeholder: "NAME" },
    },
    toArgs: (v) => policyTestArgs(v),
  },
  "policy export": {
    summary: "Print the policy in force (or --version N) as YAML",
    details: "Example: npm run --silent cli -- policy export > policy.yaml",
    options: { version: { type: "string", help: "a past version instead of the one in force", placeholder: "N" } },
  },
  "policy import": {
    summary: "Save a YAML policy file as a new version (validated first; nothing is saved if it is invalid)",
    details: "Example: npm run cli -- policy import --file policy.yaml --note \"Stricter production rules\"",
    options: {
      file: { type: "string", help: "the YAML file", required: true, placeholder: "PATH" },
      note: { type: "string", help: "why this version", placeholder: "TEXT" },
    },
    // Read here, in the CLI's own process, so the path is relative to where it runs.
    toArgs: (v) => ({ yaml: readFileSync(String(v.file), "utf8"), note: v.note }),
  },
};
