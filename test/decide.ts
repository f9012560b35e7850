// decideRequest as a reviewer with a passkey calls it: where the request's policy asks for a passkey
// on each approval (the default for production critical), the reviewer's own software
// authenticator (registered on first use) answers this approval's challenge. Everything else goes
// through unchanged, so tests that are not about passkeys keep deciding as before; the refusals
// without a passkey are tested in lib/passkeys and e2e/passkeys.spec.ts.
import type { PrismaClient } from "../lib/db";
import type { Config } from "../lib/env";
import { decideRequest as decide } from "../lib/requests/decide-request";
import { softwarePasskey, type SoftwareAuthenticator } from "./software-authenticator";

const authenticators = new WeakMap<PrismaClient, Map<string, Promise<SoftwareAuthenticator>>>();

export async function decideRequest(prisma: PrismaClient, cfg: Config, input: Parameters<typeof decide>[2]): ReturnType<typeof decide> {
  const decision = input.decision as { decision: string; passkey?: string };
  if (decision.decision === "approve" && decision.passkey === undefined && /^[0-9a-f-]{36}$/i.test(input.requestId)) {
    const request = await prisma.request.findUnique({ where: { id: input.requestId }, select: { status: true, passkeyRequired: true } });
    const reviewer = /^[0-9a-f-]{36}$/i.test(input.reviewerId) ? await prisma.user.findUnique({ where: { id: input.reviewerId }, select: { id: true } }) : null;
    if (request?.status === "pending" && request.passkeyRequired && reviewer) {
      let mine = authenticators.get(prisma);
      if (!mine) authenticators.set(prisma, (mine = new Map()));
      let authenticator = mine.get(reviewer.id);
      if (!authenticator) mine.set(reviewer.id, (authenticator = softwarePasskey(prisma, cfg, reviewer.id)));
      const passkey = await (await authenticator).approve(input.requestId);
      return decide(prisma, cfg, { ...input, decision: { ...input.decision, passkey } as typeof input.decision });
    }
  }
  return decide(prisma, cfg, input);
}
