// Offline grant verification against the cryptographic floor: the client's verifyGrant (JWKS
// lookup by kid, alg/typ pinned, claims, the operation's digest recomputed) on one real grant,
// against a bare Ed25519 crypto.verify of the same token with a prepared KeyObject. Batches of
// each are interleaved so a busy machine slows both alike; prints the medians, their ratio and the
// target, with the machine's load. Run: npx tsx bench/grant-verify.ts [batches]
import { createPublicKey, verify } from "node:crypto";
import os from "node:os";
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify } from "jose";
import { createGrantVerifier, operationDigest } from "../client/index";

const BATCHES = Math.max(5, Number(process.argv[2] ?? 21));
const PER_BATCH = 2_000;
const TARGET = 0.8;

const issuer = "https://countersign.example";
const operation = { kind: "sql", target: { environment: "production", resource: "postgres/main" }, sql: "DELETE FROM sessions WHERE expires_at < now()" };
const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: "bench-1", alg: "EdDSA", use: "sig" };
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({
  iss: issuer, aud: "postgres/main", env: "production", sub: "agent-1", jti: "jti-1", iat: now, nbf: now, exp: now + 3600,
  req: "req-1", op: operationDigest(operation), approvers: ["user-1", "user-2"],
})
  .setProtectedHeader({ alg: "EdDSA", typ: "countersign-grant+jwt", kid: "bench-1" })
  .sign(privateKey);

// The verifier as an executor configures it: keys from the issuer's JWKS (served here from memory).
let fetches = 0;
const verifier = createGrantVerifier({
  issuer,
  audience: "postgres/main",
  environment: "production",
  fetch: async () => {
    fetches++;
    return new Response(JSON.stringify({ keys: [jwk] }), { headers: { "content-type": "application/json" } });
  },
});
const keyObject = createPublicKey({ key: jwk, format: "jwk" });
const [header, payload, signature] = token.split(".") as [string, string, string];
const data = Buffer.from(`${header}.${payload}`);
const sig = Buffer.from(signature, "base64url");
const cryptoKey = await importJWK(jwk, "EdDSA");

const raw = async () => {
  if (!verify(null, data, keyObject, sig)) throw new Error("raw verify failed");
};
const client = async () => {
  await verifier.verifyGrant(token, { operation });
};
// For reference: jose's own jwtVerify with an imported key (WebCrypto's async verify underneath).
const jose = async () => {
  await jwtVerify(token, cryptoKey, { algorithms: ["EdDSA"], typ: "countersign-grant+jwt", issuer, audience: "postgres/main" });
};

async function batch(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < PER_BATCH; i++) await fn();
  return ((performance.now() - started) * 1000) / PER_BATCH; // µs per verification
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

for (const fn of [raw, client, jose]) await batch(fn); // warm-up (and the one JWKS fetch)
const times = { raw: [] as number[], client: [] as number[], jose: [] as number[] };
for (let i = 0; i < BATCHES; i++) {
  times.raw.push(await batch(raw));
  times.client.push(await batch(client));
  times.jose.push(await batch(jose));
}
const [r, c, j] = [median(times.raw), median(times.client), median(times.jose)];
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores; ${BATCHES} interleaved batches of ${PER_BATCH.toLocaleString("en")}; JWKS fetched ${fetches}×`);
console.log(`baseline  raw Ed25519 crypto.verify (prepared KeyObject)   ${r.toFixed(1).padStart(6)} µs  (${Math.round(1e6 / r).toLocaleString("en")}/s)`);
console.log(`figure    verifyGrant (JWKS, claims, operation digest)      ${c.toFixed(1).padStart(6)} µs  (${Math.round(1e6 / c).toLocaleString("en")}/s)`);
console.log(`          jose jwtVerify, imported key (reference)           ${j.toFixed(1).padStart(6)} µs`);
console.log(`ratio     ${(r / c).toFixed(2)}× raw throughput   target ≥ ${TARGET}×   ${r / c >= TARGET ? "met" : "NOT met"}`);
