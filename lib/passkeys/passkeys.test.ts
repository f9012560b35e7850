// Passkey step-up through the one decision path (decideRequest): the default policy asks a critical
// production approval for the approver's passkey; only a user-verified assertion by one of their
// own passkeys, answering their challenge for this very request, lets it count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../test/databases";
import { createHarness, type Harness } from "../../test/api-harness";
import { softwarePasskey } from "../../test/software-authenticator";
import * as requestsRoute from "../../app/api/v1/requests/route";
import { decideRequest } from "../requests";
import { removePasskey, startApprovalPasskey } from "./index";

describe.each(DATABASE_KINDS)("passkey step-up on %s", (kind) => {
  let h: Harness;
  let agent: Awaited<ReturnType<Harness["agent"]>>;

  beforeAll(async () => {
    h = await createHarness(kind);
    agent = await h.agent();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function create(environment: string, sql: string) {
    const resource = h.unique("pg/app");
    const res = await h.call(requestsRoute.POST, "POST", "/api/v1/requests", { key: agent.key, body: { operation: { kind: "sql", target: { environment, resource }, sql } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.id as string, resource };
  }
  const approve = (requestId: string, reviewerId: string, confirmation: string, passkey?: string) =>
    decideRequest(h.database.prisma, h.config, { requestId, reviewerId, decision: { decision: "approve", confirmation, ...(passkey ? { passkey } : {}) } });
  const stored = (requestId: string) => h.database.prisma.request.findUniqueOrThrow({ where: { id: requestId }, include: { reviews: true } });

  it("approves with each approver's passkey, recording the credential on the review and its audit row", async () => {
    const { id, resource } = await create("production", "DROP TABLE invoices;");
    expect((await stored(id)).passkeyRequired).toBe(true);
    const [ann, ben] = [await h.user("approver"), await h.user("approver")];
    const [annKey, benKey] = [await softwarePasskey(h.database.prisma, h.config, ann.id), await softwarePasskey(h.database.prisma, h.config, ben.id)];
    expect((await approve(id, ann.id, resource, await annKey.approve(id))).status).toBe("pending");
    expect((await approve(id, ben.id, resource, await benKey.approve(id))).status).toBe("approved");
    const row = await stored(id);
    expect(row.reviews.map((r) => r.passkeyCredentialId).sort()).toEqual([annKey.credentialId, benKey.credentialId].sort());
    const audit = await h.database.prisma.auditEvent.findMany({ where: { subjectId: id, type: "review.approved" }, orderBy: { seq: "asc" } });
    expect(audit.map((e) => (e.data as { passkey?: { credentialId: string } }).passkey?.credentialId)).toEqual([annKey.credentialId, benKey.credentialId]);
    const used = await h.database.prisma.passkey.findFirstOrThrow({ where: { credentialId: annKey.credentialId } });
    expect(used.lastUsedAt).not.toBeNull();
    expect(used.counter).toBe(1n);
  });

  it("refuses an approval without a valid assertion, and nothing is recorded", async () => {
    const { id, resource } = await create("production", "DROP TABLE payments;");
    const other = await create("production", "DROP TABLE refunds;");
    const ann = await h.user("approver");
    const key = await softwarePasskey(h.database.prisma, h.config, ann.id);
    const refusals: Array<[string, () => Promise<string | undefined>, RegExp]> = [
      ["no assertion (the session alone)", async () => undefined, /needs your passkey/],
      ["not JSON", async () => "{", /not a WebAuthn assertion/],
      ["an assertion for another request", async () => key.approve(other.id), /another request or operation/],
      ["without user verification", async () => key.assert((await startApprovalPasskey(h.database.prisma, h.config, { userId: ann.id, requestId: id })).challenge, { userVerified: false }), /did not confirm/],
      ["from another origin", async () => key.assert((await startApprovalPasskey(h.database.prisma, h.config, { userId: ann.id, requestId: id })).challenge, { origin: "https://evil.example" }), /did not confirm/],
    ];
    for (const [label, passkey, message] of refusals) {
      await expect(approve(id, ann.id, resource, await passkey()), label).rejects.toMatchObject({ code: "passkey_required", status: 403, message: expect.stringMatching(message) });
    }
    // Someone else's passkey answering this reviewer's challenge does not count either.
    const ben = await h.user("approver");
    const bens = await softwarePasskey(h.database.prisma, h.config, ben.id);
    const annChallenge = (await startApprovalPasskey(h.database.prisma, h.config, { userId: ann.id, requestId: id })).challenge;
    await expect(approve(id, ann.id, resource, bens.assert(annChallenge))).rejects.toMatchObject({ code: "passkey_required" });
    const row = await stored(id);
    expect(row.status).toBe("pending");
    expect(row.reviews).toEqual([]);
  });

  it("counts an assertion once, for the reviewer whose challenge it answers", async () => {
    const { id, resource } = await create("production", "DROP TABLE ledgers;");
    const [ann, ben] = [await h.user("approver"), await h.user("approver")];
    const annKey = await softwarePasskey(h.database.prisma, h.config, ann.id);
    const assertion = await annKey.approve(id);
    await approve(id, ann.id, resource, assertion);
    // Replayed by someone else with Ann's assertion: not their challenge, not their passkey.
    await softwarePasskey(h.database.prisma, h.config, ben.id);
    await expect(approve(id, ben.id, resource, assertion)).rejects.toMatchObject({ code: "passkey_required" });
  });

  it("tells a reviewer without a passkey to register one, and a removed passkey no longer approves", async () => {
    const { id, resource } = await create("production", "DROP TABLE customers;");
    const ann = await h.user("approver");
    await expect(approve(id, ann.id, resource)).rejects.toMatchObject({ code: "passkey_required", message: expect.stringMatching(/register one on your account page/) });
    await expect(startApprovalPasskey(h.database.prisma, h.config, { userId: ann.id, requestId: id })).rejects.toMatchObject({ code: "passkey_required" });
    const key = await softwarePasskey(h.database.prisma, h.config, ann.id);
    const assertion = await key.approve(id);
    const passkey = await h.database.prisma.passkey.findFirstOrThrow({ where: { credentialId: key.credentialId } });
    await removePasskey(h.database.prisma, ann, passkey.id);
    await expect(approve(id, ann.id, resource, assertion)).rejects.toMatchObject({ code: "passkey_required" });
    const removed = await h.database.prisma.auditEvent.findFirst({ where: { type: "passkey.removed", actorId: ann.id } });
    expect(removed?.data).toMatchObject({ credentialId: key.credentialId });
  });

  it("asks nothing more of requests the policy does not name", async () => {
    const { id, resource } = await create("staging", "DROP TABLE scratch;");
    expect((await stored(id)).passkeyRequired).toBe(false);
    const ann = await h.user("approver");
    expect((await approve(id, ann.id, resource)).status).toBe("approved");
  });
});
