// Server actions refuse on the server, whatever the page shows: cross-site posts from a signed-in
// browser, and reviewers without the role an action needs. Each refusal leaves nothing changed —
// no audit event by the caller (every state change writes one in its transaction), and the
// things the action would have touched still work as before.
import { expect, sqlOperation, test, unique } from "./fixtures";
import { auditEvents, callAction, sessionCookie, type ActionCall } from "./server-actions";
import { ADMIN, PASSWORD, USERS } from "./state";

const CROSS_SITE = "cross-site requests are refused";

async function agentCanAsk(baseURL: string, key: string): Promise<number> {
  const res = await fetch(`${baseURL}/api/v1/requests`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ operation: sqlOperation("SELECT 1;", "pg/app", "staging") }),
  });
  return res.status;
}

test("state-changing actions refuse cross-site posts from a signed-in browser, changing nothing", async ({ browser, baseURL, agent }) => {
  const admin = await sessionCookie(browser, baseURL!, ADMIN);
  const name = unique("e2e-xsite");
  // The same call from our own origin works, so the refusals below are the origin check's doing.
  const created = await callAction(baseURL!, { page: "/agents", action: "createAgentAction", cookie: admin, fields: { name, environments: "staging", resources: "*", scopes: ["requests:create", "requests:read"] } });
  expect(created.text).toContain(`Agent ${name} created.`);
  const key = created.text.match(/csk_[0-9a-f]{16}_[A-Za-z0-9_-]+/)![0];

  const forgeries: Array<Pick<ActionCall, "origin" | "secFetchSite">> = [
    { origin: "https://evil.example", secFetchSite: "cross-site" },
    { origin: "https://evil.example" },
    { origin: null }, // Next.js itself lets a post without Origin through
    { secFetchSite: "cross-site" },
  ];
  for (const forged of forgeries) {
    const answer = await callAction(baseURL!, { page: "/agents", action: "setAgentDisabledAction", cookie: admin, fields: { agentId: name, disabled: "true" }, ...forged });
    expect(answer.text, JSON.stringify(forged)).not.toContain("Disabled.");
    if (forged.origin === null || forged.origin === undefined) expect(answer.text).toContain(CROSS_SITE);
  }
  expect(await agentCanAsk(baseURL!, key)).toBe(201);
  expect(await auditEvents(baseURL!, admin, { subject: `agent:${name}`, type: "agent.disabled" })).toEqual([]);

  // A reviewer's decision too, complete with the typed confirmation, so nothing but the origin
  // check stands in its way: the request stays pending.
  const resource = unique("pg/shop");
  const request = await agent.create({ operation: sqlOperation("DELETE FROM carts;", resource, "staging") });
  expect(request.risk.level).toBe("critical");
  const alice = await sessionCookie(browser, baseURL!, USERS.alice);
  const decide = { requestId: request.id, decision: "approve", confirmation: resource };
  for (const forged of forgeries) {
    const answer = await callAction(baseURL!, { page: `/requests/${request.id}`, action: "decideAction", cookie: alice, fields: decide, ...forged });
    expect(answer.text, JSON.stringify(forged)).not.toContain("Your approval is recorded");
    expect(answer.text, JSON.stringify(forged)).not.toContain("type the resource name");
    if (forged.origin === null || forged.origin === undefined) expect(answer.text).toContain(CROSS_SITE);
  }
  expect((await agent.get(request.id)).body.status).toBe("pending");
  // The same decision from our own origin is recorded.
  const sameSiteDecision = await callAction(baseURL!, { page: `/requests/${request.id}`, action: "decideAction", cookie: alice, fields: decide });
  expect(sameSiteDecision.text).toContain("Your approval is recorded");

  // The first-admin form checks the origin before it looks at the setup token.
  const setupFields = { token: "not-a-token", email: `${unique("setup")}@e2e.example`, password: PASSWORD, name: "" };
  const sameSite = await callAction(baseURL!, { page: "/setup", action: "setupAdmin", cookie: "", fields: setupFields });
  expect(sameSite.text).toContain("setup link is invalid");
  const crossSite = await callAction(baseURL!, { page: "/setup", action: "setupAdmin", cookie: "", fields: setupFields, origin: null });
  expect(crossSite.text).toContain(CROSS_SITE);
  expect(crossSite.text).not.toContain("setup link is invalid");
});

test("every admin action and the decision refuse reviewers without the role, changing nothing", async ({ browser, baseURL, agent }) => {
  const admin = await sessionCookie(browser, baseURL!, ADMIN);
  const addUser = async (role: "viewer" | "approver") => {
    const email = `${unique(role)}@e2e.example`;
    const added = await callAction(baseURL!, { page: "/users", action: "createUserAction", cookie: admin, fields: { email, name: `Temp ${role}`, role, password: PASSWORD } });
    expect(added.text).toContain(`${email} added as ${role}.`);
    const [event] = await auditEvents(baseURL!, admin, { type: "user.created", subject: `user:${email}` });
    return { email, id: event.subjectId as string, name: `Temp ${role}`, role };
  };
  const viewer = await addUser("viewer");
  const approver = await addUser("approver");
  const environment = unique("e2e-env").replace("_", "-");
  expect((await callAction(baseURL!, { page: "/environments", action: "createEnvironmentAction", cookie: admin, fields: { name: environment, tier: "other", description: "" } })).text).toContain(`Environment ${environment} added`);
  const target = agent; // the shared agent: its key must keep working
  const lookupId = target.key.slice(4, 20);
  const agentName = "e2e-deploy-bot";

  const ADMIN_ACTIONS: Array<[page: string, action: string, fields: Record<string, string | string[]>]> = [
    ["/agents", "createAgentAction", { name: unique("e2e-stolen"), environments: "production", scopes: "grants:redeem" }],
    ["/agents", "updateAgentAction", { agentId: agentName, environments: "development", scopes: "requests:read", description: "hijacked" }],
    ["/agents", "createKeyAction", { agentId: agentName, label: "stolen" }],
    ["/agents", "revokeKeyAction", { keyId: lookupId }],
    ["/agents", "setAgentDisabledAction", { agentId: agentName, disabled: "true" }],
    ["/agents", "liftQuarantineAction", { agentId: agentName }],
    ["/users", "createUserAction", { email: `${unique("stolen")}@e2e.example`, role: "admin", password: PASSWORD }],
    ["/users", "setRoleAction", { userId: "", role: "admin" }],
    ["/users", "setUserDisabledAction", { userId: "", disabled: "true" }],
    ["/environments", "createEnvironmentAction", { name: unique("stolen-env").replace("_", "-"), tier: "other" }],
    ["/environments", "setTierAction", { name: environment, tier: "production" }],
    ["/environments", "setBindingsAction", { name: environment, hosts: "evil.example", resourcePatterns: "*" }],
    ["/policy", "savePolicyAction", { yaml: "rules: []\n", baseVersion: "1", note: "stolen" }],
    ["/policy", "restorePolicyAction", { version: "1" }],
    ["/resources", "registerResourceAction", { name: unique("pg/stolen"), environment: "staging", connectionUrl: "postgresql://postgres@127.0.0.1:5432/postgres" }],
    ["/resources", "replaceConnectionUrlAction", { name: "pg/app", connectionUrl: "postgresql://postgres@127.0.0.1:5432/postgres" }],
    ["/resources", "removeResourceAction", { name: "pg/app" }],
    ["/settings", "saveSlackAction", { webhookUrl: "https://hooks.slack.com/services/T0/B0/stolen" }],
    ["/settings", "sendTestAction", {}],
  ];

  const request = await agent.create({ operation: sqlOperation("TRUNCATE sessions;", unique("pg/app"), "staging") });
  expect(request.status).toBe("pending");

  for (const reviewer of [viewer, approver]) {
    const cookie = await sessionCookie(browser, baseURL!, reviewer);
    const before = (await auditEvents(baseURL!, admin, { actor: reviewer.email })).length;
    const other = reviewer === viewer ? approver : viewer;
    for (const [page, action, fields] of ADMIN_ACTIONS) {
      const withTarget = "userId" in fields ? { ...fields, userId: other.id } : fields;
      const answer = await callAction(baseURL!, { page, action, cookie, fields: withTarget });
      expect(answer.text, `${action} as ${reviewer.role}`).toContain(`This needs the admin role; you are a${reviewer.role === "approver" ? "n" : ""} ${reviewer.role}.`);
    }
    if (reviewer === viewer) {
      // Approvers may read and simulate the policy they approve under; viewers may not.
      const simulated = await callAction(baseURL!, { page: "/policy", action: "simulatePolicyAction", cookie, fields: { agent: agentName, environment: "production", operation: JSON.stringify(sqlOperation("DROP TABLE x;", "pg/app")) } });
      expect(simulated.text).toContain("This needs the approver role; you are a viewer.");
      for (const decision of ["approve", "deny"]) {
        const answer = await callAction(baseURL!, { page: `/requests/${request.id}`, action: "decideAction", cookie, fields: { requestId: request.id, decision, reason: "viewer says no" } });
        expect(answer.text, `decideAction ${decision} as viewer`).toContain("Deciding this request needs the approver role; you are a viewer.");
      }
    }
    // Nothing this reviewer did reached the database: the only rows in their name are the
    // recorded refusals themselves.
    const after = await auditEvents(baseURL!, admin, { actor: reviewer.email });
    const added = after.slice(before);
    expect(added.map((event) => event.type).filter((type) => type !== "reviewer.refused")).toEqual([]);
    for (const event of added) expect(event.data.code).toBe("role_required");
  }

  expect((await agent.get(request.id)).body.status).toBe("pending");
  expect(await agentCanAsk(baseURL!, target.key)).toBe(201);
  expect(await auditEvents(baseURL!, admin, { subject: `agent:${agentName}`, type: "agent.updated" })).toEqual([]);
  const other = await sessionCookie(browser, baseURL!, viewer);
  expect(other).toContain("authjs"); // the viewer was neither disabled nor promoted: still signs in
  expect(await auditEvents(baseURL!, admin, { subject: `user:${viewer.email}`, type: "user.role_changed" })).toEqual([]);
});
