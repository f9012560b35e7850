// Reviewers' passkeys (WebAuthn credentials) and the step-up that policy can ask of an approval.
// Registering and approving each use a one-time challenge stored in the database, short-lived and
// tied to one person (and, for an approval, to one request and its operation digest), so any
// instance can verify it and a challenge is good for exactly one ceremony.
import { createHash, randomBytes } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { z } from "zod";
import type { PrismaClient, Tx } from "../db";
import type { Config } from "../env";
import { appendAudit } from "../audit";
import { AppError } from "../errors";
import { parseInput, isUuid } from "../validate";

/** How long a ceremony may take, from the options to the answer. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

const TRANSPORTS = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const;

export interface PasskeyView {
  id: string;
  credentialId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export const PasskeyName = z.string().trim().min(1, "give the passkey a name").max(60, "at most 60 characters");

/** The relying party is Countersign's public URL: its host is the rpID, its origin the expected origin. */
export function relyingParty(cfg: Config): { id: string; origin: string; name: string } {
  const url = new URL(cfg.publicUrl);
  return { id: url.hostname, origin: url.origin, name: "Countersign" };
}

export async function listPasskeys(prisma: PrismaClient | Tx, userId: string): Promise<PasskeyView[]> {
  return prisma.passkey.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { id: true, credentialId: true, name: true, createdAt: true, lastUsedAt: true },
  });
}

async function storeChallenge(
  prisma: PrismaClient,
  data: { userId: string; purpose: "register" | "approve"; challenge: string; requestId?: string; operationDigest?: string },
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const now = await dbNow(tx);
    // One open ceremony per person and purpose: a new one replaces the last; lapsed ones go too.
    await tx.passkeyChallenge.deleteMany({ where: { OR: [{ userId: data.userId, purpose: data.purpose }, { expiresAt: { lt: now } }] } });
    await tx.passkeyChallenge.create({ data: { ...data, expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS) } });
  });
}

async function dbNow(tx: Tx): Promise<Date> {
  const [row] = await tx.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
  return row!.now;
}

/** Options for the browser's `navigator.credentials.create()`: a resident, user-verified credential. */
export async function startPasskeyRegistration(
  prisma: PrismaClient,
  cfg: Config,
  user: { id: string; email: string; name: string | null },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(cfg);
  const existing = await prisma.passkey.findMany({ where: { userId: user.id }, select: { credentialId: true, transports: true } });
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    userID: new TextEncoder().encode(user.id),
    attestationType: "none",
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(prisma, { userId: user.id, purpose: "register", challenge: options.challenge });
  return options;
}

const CredentialJSON = z.looseObject({
  id: z.string().min(1).max(1024),
  rawId: z.string().min(1).max(1024),
  type: z.literal("public-key"),
  response: z.looseObject({ clientDataJSON: z.string().min(1).max(16_384) }),
});

/** Reads the browser's answer (JSON text) far enough to find its challenge; the library checks the rest. */
function readCredential(text: string, field: string): { json: Record<string, unknown>; challenge: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError("validation_failed", "The passkey's answer is not valid.", [{ field, message: "is not JSON" }]);
  }
  const parsed = CredentialJSON.safeParse(json);
  if (!parsed.success) throw new AppError("validation_failed", "The passkey's answer is not valid.", [{ field, message: "is not a WebAuthn credential" }]);
  let challenge: unknown;
  try {
    challenge = JSON.parse(Buffer.from(parsed.data.response.clientDataJSON, "base64url").toString("utf8")).challenge;
  } catch {
    challenge = undefined;
  }
  if (typeof challenge !== "string" || challenge.length === 0 || challenge.length > 200) {
    throw new AppError("validation_failed", "The passkey's answer is not valid.", [{ field, message: "names no challenge" }]);
  }
  return { json: parsed.data, challenge };
}

/** Verifies the browser's registration and stores the passkey under `name`, with its audit row. */
export async function finishPasskeyRegistration(
  prisma: PrismaClient,
  cfg: Config,
  user: { id: string },
  input: { name: unknown; response: string },
): Promise<PasskeyView> {
  const name = parseInput(PasskeyName, input.name, "The passkey needs a name.");
  const { json, challenge } = readCredential(input.response, "response");
  const rp = relyingParty(cfg);
  return prisma.$transaction(async (tx) => {
    const now = await dbNow(tx);
    // Consumed whatever the outcome: a registration challenge is good for one answer.
    const consumed = await tx.passkeyChallenge.deleteMany({ where: { challenge, userId: user.id, purpose: "register", expiresAt: { gt: now } } });
    if (consumed.count !== 1) throw new AppError("bad_request", "This passkey prompt has expired or was already used. Start again.");
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: json as unknown as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: true,
      });
    } catch (error) {
      throw new AppError("bad_request", `The passkey could not be registered: ${error instanceof Error ? error.message : "verification failed"}.`);
    }
    if (!verified.verified) throw new AppError("bad_request", "The passkey could not be registered: verification failed.");
    const { credential } = verified.registrationInfo;
    const transports = (credential.transports ?? []).filter((t): t is (typeof TRANSPORTS)[number] => (TRANSPORTS as readonly string[]).includes(t));
    const passkey = await tx.passkey.create({
      data: { userId: user.id, credentialId: credential.id, publicKey: Buffer.from(credential.publicKey), counter: BigInt(credential.counter), transports, name, createdAt: now },
    });
    await appendAudit(tx, {
      type: "passkey.registered",
      actor: { type: "user", id: user.id },
      subject: { type: "user", id: user.id },
      data: { passkeyId: passkey.id, credentialId: passkey.credentialId, name },
    });
    return { id: passkey.id, credentialId: passkey.credentialId, name: passkey.name, createdAt: passkey.createdAt, lastUsedAt: null };
  });
}

/** Removes one of the person's own passkeys, with its audit row. */
export async function removePasskey(prisma: PrismaClient, user: { id: string }, passkeyId: string): Promise<void> {
  if (!isUuid(passkeyId)) throw new AppError("not_found", "No such passkey.");
  await prisma.$transaction(async (tx) => {
    const passkey = await tx.passkey.findFirst({ where: { id: passkeyId, userId: user.id } });
    if (!passkey) throw new AppError("not_found", "No such passkey.");
    await tx.passkey.delete({ where: { id: passkey.id } });
    await appendAudit(tx, {
      type: "passkey.removed",
      actor: { type: "user", id: user.id },
      subject: { type: "user", id: user.id },
      data: { passkeyId: passkey.id, credentialId: passkey.credentialId, name: passkey.name },
    });
  });
}

/**
 * An approval's challenge: 16 random bytes followed by SHA-256 over the request id and the
 * operation digest, so what the authenticator signs names the exact request and operation.
 */
function approvalChallenge(requestId: string, operationDigest: string, nonce: Buffer = randomBytes(16)): string {
  const binding = createHash("sha256").update(`countersign approve\n${requestId}\n${operationDigest}`).digest();
  return Buffer.concat([nonce, binding]).toString("base64url");
}

function challengeBindsTo(challenge: string, requestId: string, operationDigest: string): boolean {
  const bytes = Buffer.from(challenge, "base64url");
  return bytes.length === 48 && approvalChallenge(requestId, operationDigest, bytes.subarray(0, 16)) === challenge;
}

/**
 * Options for `navigator.credentials.get()` to approve one request: only this person's passkeys,
 * user verification required. Refused when the request does not ask for a passkey or they have none.
 */
export async function startApprovalPasskey(
  prisma: PrismaClient,
  cfg: Config,
  input: { userId: string; requestId: string },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  if (!isUuid(input.requestId)) throw new AppError("not_found", "No such request.");
  const request = await prisma.request.findUnique({ where: { id: input.requestId }, select: { id: true, status: true, operationDigest: true, passkeyRequired: true } });
  if (!request) throw new AppError("not_found", "No such request.");
  if (request.status !== "pending") throw new AppError("request_already_decided", `This request is already ${request.status}.`);
  if (!request.passkeyRequired) throw new AppError("bad_request", "This request does not ask for a passkey.");
  const passkeys = await prisma.passkey.findMany({ where: { userId: input.userId }, select: { credentialId: true, transports: true } });
  if (passkeys.length === 0) throw noPasskeyError();
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(cfg).id,
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: p.transports })),
    userVerification: "required",
    // Bytes, not text: the library base64url-encodes a string challenge as UTF-8.
    challenge: new Uint8Array(Buffer.from(approvalChallenge(request.id, request.operationDigest), "base64url")),
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(prisma, { userId: input.userId, purpose: "approve", challenge: options.challenge, requestId: request.id, operationDigest: request.operationDigest });
  return options;
}

function noPasskeyError(): AppError {
  return new AppError("passkey_required", "Approving this request needs your passkey, and you have none: register one on your account page first.");
}

/**
 * Inside the decision's transaction: checks the assertion answers this person's challenge for this
 * request and operation, signed by one of their passkeys with user verification, then consumes the
 * challenge and records the signature counter. Returns the credential id used; refuses otherwise.
 */
export async function verifyApprovalPasskey(
  tx: Tx,
  cfg: Config,
  input: { userId: string; request: { id: string; operationDigest: string }; response: string | undefined; now: Date },
): Promise<string> {
  if (!input.response) {
    const has = await tx.passkey.count({ where: { userId: input.userId } });
    if (has === 0) throw noPasskeyError();
    throw new AppError("passkey_required", "Approving this request needs your passkey: confirm with it when you approve. A signed-in session alone cannot approve it.");
  }
  const refused = (why: string) => new AppError("passkey_required", `Your passkey did not confirm this approval (${why}). Approve again and confirm with your passkey.`);
  let answer: { json: Record<string, unknown>; challenge: string };
  try {
    answer = readCredential(input.response, "passkey");
  } catch {
    throw refused("the answer is not a WebAuthn assertion");
  }
  const { json, challenge } = answer;
  if (!challengeBindsTo(challenge, input.request.id, input.request.operationDigest)) throw refused("it was given for another request or operation");
  const consumed = await tx.passkeyChallenge.deleteMany({
    where: { challenge, userId: input.userId, purpose: "approve", requestId: input.request.id, operationDigest: input.request.operationDigest, expiresAt: { gt: input.now } },
  });
  if (consumed.count !== 1) throw refused("the prompt expired or was already used");
  const passkey = await tx.passkey.findFirst({ where: { credentialId: String(json.id), userId: input.userId } });
  if (!passkey) throw refused("it is not one of your registered passkeys");
  const rp = relyingParty(cfg);
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: json as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: Number(passkey.counter), transports: passkey.transports },
      requireUserVerification: true,
    });
  } catch (error) {
    throw refused(error instanceof Error ? error.message.replace(/[.\s]+$/, "") : "verification failed");
  }
  if (!verified.verified) throw refused("verification failed");
  await tx.passkey.update({ where: { id: passkey.id }, data: { counter: BigInt(verified.authenticationInfo.newCounter), lastUsedAt: input.now } });
  return passkey.credentialId;
}
