// A minimal OpenID Connect provider for the browser tests: discovery, an authorisation page where
// the "person" types the email they are signed in with, a token endpoint that returns an RS256
// ID token, JWKS and userinfo. Just enough for next-auth's generic OIDC provider.
import http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

export const OIDC_CLIENT_ID = "countersign-e2e";
export const OIDC_CLIENT_SECRET = "e2e-oidc-client-secret";

export interface OidcProvider {
  issuer: string;
  close(): Promise<void>;
}

interface PendingCode {
  email: string;
  nonce: string | null;
  clientId: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

export async function startOidcProvider(): Promise<OidcProvider> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "e2e-key", alg: "RS256", use: "sig" };
  const codes = new Map<string, PendingCode>();
  let issuer = "";

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", issuer);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === "/.well-known/openid-configuration") {
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
          code_challenge_methods_supported: ["S256"],
        });
      }
      if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
      if (url.pathname === "/authorize" && req.method === "GET") {
        // The "identity provider's sign-in page": whoever types an email is that person.
        const hidden = [...url.searchParams].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join("");
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return res.end(
          `<!doctype html><title>Example IdP</title><h1>Example identity provider</h1><form method="post" action="/authorize">${hidden}<label>Email <input name="login_email"></label><button>Continue</button></form>`,
        );
      }
      if (url.pathname === "/authorize" && req.method === "POST") {
        const form = await readBody(req);
        const code = randomBytes(16).toString("hex");
        codes.set(code, { email: form.get("login_email") ?? "", nonce: form.get("nonce"), clientId: form.get("client_id") ?? "" });
        const back = new URL(form.get("redirect_uri") ?? "");
        back.searchParams.set("code", code);
        const state = form.get("state");
        if (state) back.searchParams.set("state", state);
        back.searchParams.set("iss", issuer);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === "/token" && req.method === "POST") {
        const form = await readBody(req);
        const basic = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
        const [id, secret] = basic.split(":").map(decodeURIComponent);
        const clientId = id || form.get("client_id");
        const clientSecret = secret || form.get("client_secret");
        if (clientId !== OIDC_CLIENT_ID || clientSecret !== OIDC_CLIENT_SECRET) return json(401, { error: "invalid_client" });
        const grant = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        if (!grant) return json(400, { error: "invalid_grant" });
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({ email: grant.email, email_verified: true, name: grant.email.split("@")[0], ...(grant.nonce ? { nonce: grant.nonce } : {}) })
          .setProtectedHeader({ alg: "RS256", kid: "e2e-key" })
          .setIssuer(issuer)
          .setAudience(OIDC_CLIENT_ID)
          .setSubject(`sub-${grant.email}`)
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(privateKey);
        return json(200, { access_token: randomBytes(16).toString("hex"), token_type: "Bearer", expires_in: 300, id_token: idToken, scope: "openid email profile" });
      }
      if (url.pathname === "/userinfo") return json(200, {});
      res.writeHead(404).end();
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
