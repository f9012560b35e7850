// The one place that reads process.env. Validated once; defaults fit the embedded quick start.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { z } from "zod";

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  COUNTERSIGN_URL: optional.pipe(z.url().optional()),
  DATABASE_URL: optional.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  DATABASE_MIGRATION_URL: optional.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  COUNTERSIGN_DATA_DIR: optional,
  AUTH_SECRET: optional.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  COUNTERSIGN_SIGNING_KEY: optional,
  COUNTERSIGN_ADMIN_EMAIL: optional.pipe(z.email().optional()),
  COUNTERSIGN_ADMIN_PASSWORD: optional.pipe(z.string().min(12, "must be at least 12 characters").optional()),
  AUTH_OIDC_ISSUER: optional.pipe(z.url().optional()),
  AUTH_OIDC_ID: optional,
  AUTH_OIDC_SECRET: optional,
  SLACK_WEBHOOK_URL: optional.pipe(z.url().optional()),
  SLACK_BOT_TOKEN: optional.pipe(z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, "must be a Slack bot token (xoxb-…)").optional()),
  SLACK_CHANNEL_ID: optional.pipe(z.string().regex(/^[CG][A-Z0-9]{2,30}$/, "must be a Slack channel id (C… or G…)").optional()),
  COUNTERSIGN_SLACK_API_URL: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  COUNTERSIGN_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  COUNTERSIGN_PG_PROXY_PORT: optional.transform((v) => (v === undefined ? undefined : Number(v))).pipe(z.number().int().min(1).max(65535).optional()),
  COUNTERSIGN_PG_PROXY_HOST: optional.pipe(z.string().default("127.0.0.1")),
  COUNTERSIGN_PG_PROXY_TLS_CERT: optional,
  COUNTERSIGN_PG_PROXY_TLS_KEY: optional,
  COUNTERSIGN_PG_PROXY_WAIT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  COUNTERSIGN_PG_PROXY_MAX_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  COUNTERSIGN_AUDIT_CHECKPOINT_FILE: optional,
  COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export interface Config {
  nodeEnv: "development" | "production" | "test";
  port: number;
  publicUrl: string;
  databaseUrl: string | undefined;
  /** PostgreSQL only: the role that owns the schema runs migrations; the app connects as another. */
  databaseMigrationUrl: string | undefined;
  dataDir: string;
  authSecret: string;
  authSecretSource: "environment" | "generated" | "data-dir";
  signingKeyPem: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  oidc: { issuer: string; clientId: string; clientSecret: string } | undefined;
  slackWebhookUrl: string | undefined;
  /** A Slack app's bot token and the channel it posts to: the card is posted, then kept current. */
  slackBot: { token: string; channelId: string } | undefined;
  /** Slack's Web API base URL (no trailing slash); another only for a local stand-in. */
  slackApiUrl: string;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** Reverse proxies in front of the server whose `X-Forwarded-For` entries are believed. */
  trustedProxies: number;
  /** Signed audit checkpoints: written to the log stream always, and appended to `file` when set. */
  auditCheckpoints: { file: string | undefined; everySeconds: number };
  /** The PostgreSQL wire-protocol proxy; undefined when COUNTERSIGN_PG_PROXY_PORT is unset. */
  pgProxy: PgProxyConfig | undefined;
}

export interface PgProxyConfig {
  port: number;
  host: string;
  /** PEM file paths; with them the proxy offers TLS. */
  tls: { certPath: string; keyPath: string } | undefined;
  /** How long a client is held while people decide, before its statement is withdrawn. */
  waitSeconds: number;
  /** Rows of one statement's answer at most; a larger answer is an error, never cut short silently. */
  maxRows: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads or creates the data folder's generated AUTH_SECRET (owner-only permissions). */
function dataDirSecret(dataDir: string): { secret: string; generated: boolean } {
  const file = path.join(dataDir, "auth-secret");
  try {
    return { secret: readFileSync(file, "utf8").trim(), generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("base64url");
  try {
    writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return dataDirSecret(dataDir);
    throw error;
  }
  chmodSync(file, 0o600);
  return { secret, generated: true };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.COUNTERSIGN_DATA_DIR ?? ".countersign");

  let authSecret = e.AUTH_SECRET;
  let authSecretSource: Config["authSecretSource"] = "environment";
  if (!authSecret) {
    if (e.DATABASE_URL && e.NODE_ENV === "production") {
      throw new ConfigError(
        "AUTH_SECRET is required when DATABASE_URL is set and NODE_ENV=production: every instance " +
          "must share it. Generate one with `openssl rand -base64 32` and set it in the environment.",
      );
    }
    const { secret, generated } = dataDirSecret(dataDir);
    authSecret = secret;
    authSecretSource = generated ? "generated" : "data-dir";
  }

  const oidcParts = [e.AUTH_OIDC_ISSUER, e.AUTH_OIDC_ID, e.AUTH_OIDC_SECRET];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    throw new ConfigError("OIDC sign-in needs all of AUTH_OIDC_ISSUER, AUTH_OIDC_ID and AUTH_OIDC_SECRET.");
  }
  if (e.DATABASE_MIGRATION_URL && !e.DATABASE_URL) {
    throw new ConfigError("DATABASE_MIGRATION_URL needs DATABASE_URL: it names the role that migrates the PostgreSQL database the app connects to.");
  }
  if (e.COUNTERSIGN_AUDIT_CHECKPOINT_FILE) {
    const file = path.resolve(e.COUNTERSIGN_AUDIT_CHECKPOINT_FILE);
    const relative = path.relative(path.resolve(dataDir), file);
    if (!relative.startsWith("..") && !path.isAbsolute(relative)) {
      throw new ConfigError("COUNTERSIGN_AUDIT_CHECKPOINT_FILE must be outside the data folder: whoever can rewrite the database there could rewrite its checkpoints too.");
    }
  }
  if (Boolean(e.COUNTERSIGN_PG_PROXY_TLS_CERT) !== Boolean(e.COUNTERSIGN_PG_PROXY_TLS_KEY)) {
    throw new ConfigError("Set both COUNTERSIGN_PG_PROXY_TLS_CERT and COUNTERSIGN_PG_PROXY_TLS_KEY (PEM files), or neither.");
  }
  if (Boolean(e.SLACK_BOT_TOKEN) !== Boolean(e.SLACK_CHANNEL_ID)) {
    throw new ConfigError("Set both SLACK_BOT_TOKEN and SLACK_CHANNEL_ID (the channel the bot posts to), or neither.");
  }
  if (Boolean(e.COUNTERSIGN_ADMIN_EMAIL) !== Boolean(e.COUNTERSIGN_ADMIN_PASSWORD)) {
    throw new ConfigError("Set both COUNTERSIGN_ADMIN_EMAIL and COUNTERSIGN_ADMIN_PASSWORD, or neither.");
  }

  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    publicUrl: (e.COUNTERSIGN_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    databaseUrl: e.DATABASE_URL,
    databaseMigrationUrl: e.DATABASE_MIGRATION_URL,
    dataDir,
    authSecret,
    authSecretSource,
    signingKeyPem: e.COUNTERSIGN_SIGNING_KEY,
    adminEmail: e.COUNTERSIGN_ADMIN_EMAIL,
    adminPassword: e.COUNTERSIGN_ADMIN_PASSWORD,
    oidc: e.AUTH_OIDC_ISSUER
      ? { issuer: e.AUTH_OIDC_ISSUER, clientId: e.AUTH_OIDC_ID!, clientSecret: e.AUTH_OIDC_SECRET! }
      : undefined,
    slackWebhookUrl: e.SLACK_WEBHOOK_URL,
    slackBot: e.SLACK_BOT_TOKEN && e.SLACK_CHANNEL_ID ? { token: e.SLACK_BOT_TOKEN, channelId: e.SLACK_CHANNEL_ID } : undefined,
    slackApiUrl: (e.COUNTERSIGN_SLACK_API_URL ?? "https://slack.com/api").replace(/\/+$/, ""),
    logLevel: e.LOG_LEVEL,
    trustedProxies: e.COUNTERSIGN_TRUSTED_PROXIES,
    auditCheckpoints: {
      file: e.COUNTERSIGN_AUDIT_CHECKPOINT_FILE ? path.resolve(e.COUNTERSIGN_AUDIT_CHECKPOINT_FILE) : undefined,
      everySeconds: e.COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS,
    },
    pgProxy:
      e.COUNTERSIGN_PG_PROXY_PORT === undefined
        ? undefined
        : {
            port: e.COUNTERSIGN_PG_PROXY_PORT,
            host: e.COUNTERSIGN_PG_PROXY_HOST,
            tls: e.COUNTERSIGN_PG_PROXY_TLS_CERT ? { certPath: e.COUNTERSIGN_PG_PROXY_TLS_CERT, keyPath: e.COUNTERSIGN_PG_PROXY_TLS_KEY! } : undefined,
            waitSeconds: e.COUNTERSIGN_PG_PROXY_WAIT_SECONDS,
            maxRows: e.COUNTERSIGN_PG_PROXY_MAX_ROWS,
          },
  };
}

/** The environment with some variables replaced (the CLI's --data-dir), validated like loadConfig. */
export function loadConfigWith(overrides: Record<string, string | undefined>): Config {
  return loadConfig({ ...process.env, ...overrides });
}

/**
 * Whether this is a development server. Cheaper than config() (no secret is read or generated),
 * for code that runs before every page (proxy.ts).
 */
export function isDevelopment(): boolean {
  return process.env.NODE_ENV === "development";
}

const holder = globalThis as unknown as { __countersignConfig?: Config };

/** The process's configuration, validated on first use. */
export function config(): Config {
  holder.__countersignConfig ??= loadConfig();
  return holder.__countersignConfig;
}

/** Replaces the process's configuration (tests and the CLI's --data-dir). */
export function setConfig(next: Config): void {
  holder.__countersignConfig = next;
}
