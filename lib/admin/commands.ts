// The admin CLI's commands as plain functions of (database, arguments). The CLI runs them on its
// own connection, or — when a server holds the embedded database — asks the server to run them
// through its admin socket, so the embedded folder is never opened twice.
import type { PrismaClient } from "../db";
import type { Config } from "../env";
import { CLI } from "../actors";
import { AppError } from "../errors";
import { createUser, listUsers, setUserDisabled, setUserPassword, setUserRole, type Role } from "../users";
import {
  createAgent,
  createAgentKey,
  findAgent,
  listAgents,
  revokeAgentKey,
  setAgentDisabled,
  type Scope,
} from "../agents";
import { createEnvironment, listEnvironments, setEnvironmentBindings, setEnvironmentTier, type Tier } from "../environments";
import { verifyAuditChain } from "../audit";
import { verifyAuditWithCheckpoints } from "../audit/checkpoint";
import { readFileSync } from "node:fs";
import { parseShell } from "../risk/shell-parse";
import { listResources, parseHttpAuth, registerResource, removeResource, updateResourceConnection } from "../resources";
import { liftQuarantine } from "../agents/quarantine";
import { addWebhookEndpoint, listWebhookEndpoints, removeWebhookEndpoint, setWebhookEndpointEnabled } from "../webhooks";
import { getPolicyVersion, policyFromYaml, policyToYaml } from "../policy/versions";
import { currentPolicy, savePolicy } from "../policy/store";
import { rotateSigningKeys } from "../grants";
import { dbNow } from "../db/clock";
import { issueSetupToken } from "../users/setup";
import { Operation } from "../operations/schema";
import { simulatePolicy } from "../policy/simulate";
import { loadRiskEngine } from "../risk";
import { tierOf } from "../environments";
import { parseInput, isUuid } from "../validate";

export interface AdminContext {
  prisma: PrismaClient;
  config: Config;
}

type Args = Record<string, unknown>;
type Command = (ctx: AdminContext, args: Args) => Promise<unknown>;

const str = (args: Args, key: string): string => {
  const value = args[key];
  if (typeof value !== "string" || value === "") throw new AppError("bad_request", `--${key} is required.`);
  return value;
};
const optStr = (args: Args, key: string): string | undefined =>
  typeof args[key] === "string" && args[key] !== "" ? (args[key] as string) : undefined;
const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

async function ownerId(prisma: PrismaClient, email: string | undefined): Promise<string | null> {
  if (!email) return null;
  const user = await prisma.user.findUnique({ where: { email: email.toLowerCase() } });
  if (!user) throw new AppError("not_found", `No user with email ${email}.`);
  return user.id;
}

export const COMMANDS: Record<string, Command> = {
  "user add": ({ prisma }, a) =>
    createUser(prisma, { email: str(a, "email"), role: str(a, "role") as Role, name: optStr(a, "name"), password: optStr(a, "password") }, CLI),
  "user list": ({ prisma }) => listUsers(prisma),
  "user disable": ({ prisma }, a) => setUserDisabled(prisma, str(a, "email"), true, CLI),
  "user enable": ({ prisma }, a) => setUserDisabled(prisma, str(a, "email"), false, CLI),
  "user role": ({ prisma }, a) => setUserRole(prisma, str(a, "email"), str(a, "role") as Role, CLI),
  "user password": async ({ prisma }, a) => {
    await setUserPassword(prisma, str(a, "email"), str(a, "password"), CLI);
    return { email: str(a, "email") };
  },
  "agent add": async ({ prisma }, a) => {
    const result = await createAgent(
      prisma,
      {
        name: str(a, "name"),
        description: optStr(a, "description") ?? "",
        environments: list(str(a, "environments")) ?? [],
        resources: list(optStr(a, "resources")),
        scopes: list(optStr(a, "scopes")) as Scope[] | undefined,
        ownerId: await ownerId(prisma, optStr(a, "owner")),
        keyExpiresAt: optStr(a, "expiresAt") ? new Date(str(a, "expiresAt")) : null,
      },
      CLI,
    );
    return { agent: result.agent, keyId: result.key.id, key: result.plaintext };
  },
  "agent list": async ({ prisma }) =>
    (await listAgents(prisma)).map((agent) => ({
      ...agent,
      keys: agent.keys.map((k) => ({ id: k.id, lookupId: k.lookupId, label: k.label, revokedAt: k.revokedAt, expiresAt: k.expiresAt, lastUsedAt: k.lastUsedAt })),
    })),
  "agent disable": ({ prisma }, a) => setAgentDisabled(prisma, str(a, "name"), true, CLI),
  "agent enable": ({ prisma }, a) => setAgentDisabled(prisma, str(a, "name"), false, CLI),
  "agent unquarantine": ({ prisma }, a) => liftQuarantine(prisma, str(a, "name"), CLI),
  "agent key add": async ({ prisma }, a) => {
    const agent = await findAgent(prisma, str(a, "agent"));
    if (!agent) throw new AppError("not_found", `No agent named ${str(a, "agent")}.`);
    const issued = await createAgentKey(
      prisma,
      agent.id,
      { label: optStr(a, "label"), expiresAt: optStr(a, "expiresAt") ? new Date(str(a, "expiresAt")) : null },
      CLI,
    );
    return { agent: agent.name, keyId: issued.key.id, lookupId: issued.key.lookupId, expiresAt: issued.key.expiresAt, key: issued.plaintext };
  },
  "agent key revoke": ({ prisma }, a) => revokeAgentKey(prisma, str(a, "key"), CLI),
  "env add": ({ prisma }, a) =>
    createEnvironment(prisma, { name: str(a, "name"), tier: str(a, "tier") as Tier, description: optStr(a, "description") ?? "" }, CLI),
  "env tier": ({ prisma }, a) => setEnvironmentTier(prisma, str(a, "name"), str(a, "tier") as Tier, CLI),
  "env list": ({ prisma }) => listEnvironments(prisma),
  // The connection URL arrives in the arguments (read from stdin by the CLI) and leaves in nothing.
  "resource add": ({ prisma, config: config_ }, a) => {
    const config = config_;
    const common = { name: str(a, "name"), environment: str(a, "environment"), description: optStr(a, "description") ?? "" };
    const type = optStr(a, "type") ?? "postgres";
    if (type === "postgres") return registerResource(prisma, config, { ...common, kind: "postgres", connectionUrl: str(a, "secret") }, CLI);
    if (type === "mcp") {
      const command = optStr(a, "command");
      const url = optStr(a, "url");
      if (Boolean(command) === Boolean(url)) throw new AppError("validation_failed", "The resource is not valid.", [{ field: "command", message: "give --command (stdio) or --url (Streamable HTTP), not both" }]);
      const words = command ? shellWords(command) : [];
      const config = command
        ? { transport: "stdio" as const, command: words[0] ?? "", args: words.slice(1), ...(optStr(a, "timeout") ? { timeoutSeconds: Number(optStr(a, "timeout")) } : {}) }
        : { transport: "http" as const, url: url!, ...(optStr(a, "timeout") ? { timeoutSeconds: Number(optStr(a, "timeout")) } : {}) };
      return registerResource(prisma, config_, { ...common, kind: "mcp", config, secret: typeof a.secret === "string" ? a.secret : "" }, CLI);
    }
    if (type !== "http") throw new AppError("validation_failed", "The resource is not valid.", [{ field: "type", message: "postgres, http or mcp" }]);
    const auth = parseHttpAuth(optStr(a, "auth") ?? "");
    if (!auth) throw new AppError("validation_failed", "The resource is not valid.", [{ field: "auth", message: "bearer, basic, header:NAME or query:NAME" }]);
    return registerResource(
      prisma,
      config,
      {
        ...common,
        kind: "http",
        baseUrl: optStr(a, "base-url") ?? "",
        auth,
        allowedMethods: list(optStr(a, "methods"))?.map((m) => m.toUpperCase()) ?? [],
        allowedPathPrefixes: list(optStr(a, "path-prefixes")) ?? [],
        allowPrivateNetwork: a["allow-private-network"] === true,
        catalog: optStr(a, "catalog") ?? null,
        ...(optStr(a, "timeout") ? { timeoutSeconds: Number(optStr(a, "timeout")) } : {}),
        secret: str(a, "secret"),
      },
      CLI,
    );
  },
  "resource list": async ({ prisma }) => (await listResources(prisma)).map((r) => ({ ...r, type: r.kind, baseUrl: r.http?.baseUrl ?? "" })),
  "resource set-url": ({ prisma, config }, a) => updateResourceConnection(prisma, config, str(a, "name"), str(a, "connectionUrl"), CLI),
  "env bind": async ({ prisma }, a) => {
    const current = await prisma.environment.findUnique({ where: { name: str(a, "name") } });
    if (!current) throw new AppError("not_found", `No environment named ${str(a, "name")}.`);
    const hosts = optStr(a, "hosts");
    const resources = optStr(a, "resources");
    return setEnvironmentBindings(
      prisma,
      current.name,
      { hosts: hosts === undefined ? current.hosts : (list(hosts) ?? []), resourcePatterns: resources === undefined ? current.resourcePatterns : (list(resources) ?? []) },
      CLI,
    );
  },
  "resource remove": ({ prisma }, a) => removeResource(prisma, str(a, "name"), CLI),
  "webhook add": ({ prisma, config }, a) =>
    addWebhookEndpoint(prisma, config, { url: str(a, "url"), events: (list(str(a, "events")) ?? []) as never, description: optStr(a, "description") }, CLI),
  "webhook list": ({ prisma }) => listWebhookEndpoints(prisma, { deliveries: 1 }),
  "webhook disable": ({ prisma }, a) => setWebhookEndpointEnabled(prisma, str(a, "id"), false, CLI),
  "webhook enable": ({ prisma }, a) => setWebhookEndpointEnabled(prisma, str(a, "id"), true, CLI),
  "webhook remove": ({ prisma }, a) => removeWebhookEndpoint(prisma, str(a, "id"), CLI),
  "audit verify": async ({ prisma, config }, a) => {
    const source = optStr(a, "checkpoints");
    if (!source) {
      const status = await verifyAuditChain(prisma);
      return JSON.parse(JSON.stringify(status, (_k, v) => (typeof v === "bigint" ? Number(v) : v)));
    }
    const text = await readCheckpoints(source);
    const { chain, checkpoints, ok } = await verifyAuditWithCheckpoints(prisma, config, text);
    return JSON.parse(JSON.stringify({ ...chain, ok, chainOk: chain.ok, checkpoints }, (_k, v) => (typeof v === "bigint" ? Number(v) : v)));
  },
  "keys rotate": async ({ prisma, config }, a) => {
    const after = optStr(a, "activate-after");
    return rotateSigningKeys(prisma, config, await dbNow(prisma), { actor: CLI, activateAfterSeconds: after === undefined ? undefined : Number(after) });
  },
  "policy test": ({ prisma }, a) => policyTest(prisma, a),
  "policy export": async ({ prisma }, a) => {
    const version = optStr(a, "version");
    const policy = version ? await getPolicyVersion(prisma, Number(version)) : await currentPolicy(prisma);
    return { version: policy.version, yaml: policyToYaml(policy.rules, policy.circuitBreaker, policy.measurement) };
  },
  "policy import": async ({ prisma }, a) => {
    const policy = policyFromYaml(str(a, "yaml"));
    const saved = await savePolicy(prisma, policy.rules, CLI, optStr(a, "note") ?? "Imported with the CLI", policy.circuitBreaker, policy.measurement);
    return { version: saved.version, rules: saved.rules.length, unchanged: saved.unchanged === true };
  },
  "setup-link": async ({ prisma, config }) => {
    const token = await issueSetupToken(prisma);
    if (!token) throw new AppError("conflict", "Users already exist: the setup link is only for the first admin.");
    return { url: `${config.publicUrl}/setup?token=${token}` };
  },
};

/** `policy test`: the operation (given, or a past request's) under the policy in force now. */
async function policyTest(prisma: PrismaClient, a: Args) {
  let operation: unknown = a.operation;
  let agentRef = optStr(a, "agent");
  const requestId = optStr(a, "request");
  if (requestId) {
    const request = isUuid(requestId) ? await prisma.request.findUnique({ where: { id: requestId }, select: { operation: true, agentId: true } }) : null;
    if (!request) throw new AppError("not_found", `No request with id ${requestId}.`);
    operation = request.operation;
    agentRef ??= request.agentId;
  }
  if (operation && typeof operation === "object" && !Array.isArray(operation)) {
    const given = operation as { target?: Record<string, unknown> };
    const environment = optStr(a, "environment");
    const resource = optStr(a, "resource");
    if (environment || resource) operation = { ...given, target: { ...given.target, ...(environment ? { environment } : {}), ...(resource ? { resource } : {}) } };
  }
  const parsed = parseInput(Operation, operation, "The operation is not valid.");
  let agent: { id: string; name: string } | undefined;
  if (agentRef) {
    const found = await findAgent(prisma, agentRef);
    if (!found) throw new AppError("not_found", `No agent named ${agentRef}.`);
    agent = { id: found.id, name: found.name };
  }
  await loadRiskEngine();
  const policy = await currentPolicy(prisma);
  const tier = await tierOf(prisma, parsed.target.environment);
  return simulatePolicy({ operation: parsed, agent, tier, rules: policy.rules, version: policy.version, measurement: policy.measurement ?? undefined });
}

export async function runAdminCommand(ctx: AdminContext, command: string, args: Args): Promise<unknown> {
  const fn = COMMANDS[command];
  if (!fn) throw new AppError("not_found", `Unknown command: ${command}`);
  return fn(ctx, args);
}

/** A command line split into words as a shell would (Countersign's own shell parser), without running or expanding anything. */
function shellWords(command: string): string[] {
  const bad = () => new AppError("validation_failed", "The resource is not valid.", [{ field: "command", message: "a plain command and arguments: no pipes, lists, redirections or expansions" }]);
  let parsed;
  try {
    parsed = parseShell(command);
  } catch {
    throw bad();
  }
  const only = parsed.commands[0];
  if (parsed.commands.length !== 1 || !only || only.redirects.length || parsed.substitutions.length || only.words.some((w) => w.expanded)) throw bad();
  return only.words.map((w) => w.text);
}

/** A checkpoint file's text, from a path or an http(s) URL. */
async function readCheckpoints(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new AppError("bad_request", `The checkpoints could not be fetched (HTTP ${res.status}).`);
    return res.text();
  }
  try {
    return readFileSync(source, "utf8");
  } catch {
    throw new AppError("not_found", `No checkpoint file at ${source}.`);
  }
}
