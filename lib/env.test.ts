import { mkdtempSync, statSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./env";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "cs-env-"));

describe("configuration", () => {
  it("defaults to the embedded quick start and generates AUTH_SECRET once, owner-only", () => {
    const dir = tmp();
    const first = loadConfig({ COUNTERSIGN_DATA_DIR: dir });
    expect(first).toMatchObject({ port: 3000, publicUrl: "http://localhost:3000", databaseUrl: undefined, dataDir: dir, authSecretSource: "generated" });
    expect(statSync(path.join(dir, "auth-secret")).mode & 0o777).toBe(0o600);
    const second = loadConfig({ COUNTERSIGN_DATA_DIR: dir });
    expect(second.authSecret).toBe(first.authSecret);
    expect(second.authSecretSource).toBe("data-dir");
    expect(readFileSync(path.join(dir, "auth-secret"), "utf8").trim()).toBe(first.authSecret);
  });

  it("derives COUNTERSIGN_URL from PORT and trims a trailing slash", () => {
    expect(loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), PORT: "8080" }).publicUrl).toBe("http://localhost:8080");
    expect(loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), COUNTERSIGN_URL: "https://cs.example.com/" }).publicUrl).toBe("https://cs.example.com");
  });

  it("configures the Slack bot from SLACK_BOT_TOKEN and SLACK_CHANNEL_ID together, and Slack's API URL", () => {
    const bare = loadConfig({ COUNTERSIGN_DATA_DIR: tmp() });
    expect(bare.slackBot).toBeUndefined();
    expect(bare.slackApiUrl).toBe("https://slack.com/api");
    const cfg = loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_CHANNEL_ID: "C0123ABCD", COUNTERSIGN_SLACK_API_URL: "http://127.0.0.1:9999/api/" });
    expect(cfg.slackBot).toEqual({ token: "xoxb-1-2-abc", channelId: "C0123ABCD" });
    expect(cfg.slackApiUrl).toBe("http://127.0.0.1:9999/api");
    expect(() => loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), SLACK_BOT_TOKEN: "xoxb-1-2-abc" })).toThrow(/SLACK_CHANNEL_ID/);
    expect(() => loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), SLACK_BOT_TOKEN: "xoxp-user-token", SLACK_CHANNEL_ID: "C0123ABCD" })).toThrow(/SLACK_BOT_TOKEN/);
  });

  it("reads DATABASE_MIGRATION_URL beside DATABASE_URL", () => {
    const cfg = loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), DATABASE_URL: "postgresql://app@db/cs", DATABASE_MIGRATION_URL: "postgresql://owner@db/cs" });
    expect(cfg).toMatchObject({ databaseUrl: "postgresql://app@db/cs", databaseMigrationUrl: "postgresql://owner@db/cs" });
    expect(loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), DATABASE_URL: "postgresql://app@db/cs" }).databaseMigrationUrl).toBeUndefined();
  });

  it("configures the PostgreSQL proxy only when its port is set, on loopback by default", () => {
    expect(loadConfig({ COUNTERSIGN_DATA_DIR: tmp() }).pgProxy).toBeUndefined();
    expect(loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), COUNTERSIGN_PG_PROXY_PORT: "6432" }).pgProxy).toEqual({
      port: 6432,
      host: "127.0.0.1",
      tls: undefined,
      waitSeconds: 300,
      maxRows: 10_000,
    });
    const tls = loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), COUNTERSIGN_PG_PROXY_PORT: "6432", COUNTERSIGN_PG_PROXY_HOST: "0.0.0.0", COUNTERSIGN_PG_PROXY_TLS_CERT: "c.pem", COUNTERSIGN_PG_PROXY_TLS_KEY: "k.pem" });
    expect(tls.pgProxy).toMatchObject({ host: "0.0.0.0", tls: { certPath: "c.pem", keyPath: "k.pem" } });
  });

  it.each([
    [{ PORT: "70000" }, /PORT/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL/],
    [{ AUTH_SECRET: "short" }, /AUTH_SECRET: must be at least 32/],
    [{ AUTH_OIDC_ISSUER: "https://idp.example.com" }, /AUTH_OIDC_ID/],
    [{ COUNTERSIGN_ADMIN_EMAIL: "a@example.com" }, /COUNTERSIGN_ADMIN_PASSWORD/],
    [{ DATABASE_URL: "postgresql://db/cs", NODE_ENV: "production" }, /AUTH_SECRET is required/],
    [{ DATABASE_URL: "postgresql://db/cs", DATABASE_MIGRATION_URL: "mysql://db/cs" }, /DATABASE_MIGRATION_URL: must be a postgres/],
    [{ DATABASE_MIGRATION_URL: "postgresql://owner@db/cs" }, /DATABASE_MIGRATION_URL needs DATABASE_URL/],
    [{ COUNTERSIGN_PG_PROXY_PORT: "abc" }, /COUNTERSIGN_PG_PROXY_PORT/],
    [{ COUNTERSIGN_PG_PROXY_PORT: "6432", COUNTERSIGN_PG_PROXY_TLS_CERT: "cert.pem" }, /COUNTERSIGN_PG_PROXY_TLS_KEY/],
  ])("refuses %o with a message naming it", (env, message) => {
    expect(() => loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ COUNTERSIGN_DATA_DIR: tmp(), ...env })).toThrow(message);
  });
});
