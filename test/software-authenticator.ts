// A software WebAuthn authenticator for tests that run without a browser: an ES256 key pair whose
// public key is stored as a reviewer's passkey, answering approval challenges the way a platform
// authenticator does (user present and verified). The browser path is e2e/passkeys.spec.ts.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import type { PrismaClient } from "../lib/db";
import type { Config } from "../lib/env";
import { relyingParty, startApprovalPasskey } from "../lib/passkeys";

export interface SoftwareAuthenticator {
  credentialId: string;
  /** The assertion (JSON text) answering `challenge`; `userVerified: false` drops the UV flag. */
  assert(challenge: string, options?: { userVerified?: boolean; origin?: string }): string;
  /** Asks Countersign for this reviewer's approval challenge for `requestId`, and answers it. */
  approve(requestId: string): Promise<string>;
}

/** Registers a new passkey for `userId` and returns the authenticator that holds its private key. */
export async function softwarePasskey(prisma: PrismaClient, cfg: Config, userId: string, name = "Test key"): Promise<SoftwareAuthenticator> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const cose = new Map<number, number | Uint8Array>([
    [1, 2], // kty: EC2
    [3, -7], // alg: ES256
    [-1, 1], // crv: P-256
    [-2, Buffer.from(jwk.x!, "base64url")],
    [-3, Buffer.from(jwk.y!, "base64url")],
  ]);
  const credentialId = randomBytes(16).toString("base64url");
  await prisma.passkey.create({ data: { userId, credentialId, publicKey: Buffer.from(isoCBOR.encode(cose)), transports: ["internal"], name } });
  const rp = relyingParty(cfg);
  let counter = 0;
  const assert = (challenge: string, options: { userVerified?: boolean; origin?: string } = {}) =>
    assertion(privateKey, credentialId, rp.id, challenge, options.origin ?? rp.origin, options.userVerified ?? true, ++counter);
  return {
    credentialId,
    assert,
    async approve(requestId) {
      const options = await startApprovalPasskey(prisma, cfg, { userId, requestId });
      return assert(options.challenge);
    },
  };
}

function assertion(key: KeyObject, credentialId: string, rpId: string, challenge: string, origin: string, userVerified: boolean, counter: number): string {
  const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin, crossOrigin: false }));
  const flags = 0x01 | (userVerified ? 0x04 : 0); // user present, user verified
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  const authenticatorData = Buffer.concat([createHash("sha256").update(rpId).digest(), Buffer.from([flags]), count]);
  const signature = sign("sha256", Buffer.concat([authenticatorData, createHash("sha256").update(clientDataJSON).digest()]), key);
  return JSON.stringify({
    id: credentialId,
    rawId: credentialId,
    type: "public-key",
    response: { clientDataJSON: clientDataJSON.toString("base64url"), authenticatorData: authenticatorData.toString("base64url"), signature: signature.toString("base64url") },
    clientExtensionResults: {},
  });
}
