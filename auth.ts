// Reviewer sign-in (next-auth 5): email and password by default, OIDC when configured. Sessions
// are JWTs holding only the user's id; roles and the disabled flag are read fresh from the
// database on every request (lib/auth/session.ts), so a change takes effect at once.
import "server-only";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import type { Provider } from "next-auth/providers";
import { config } from "@/lib/env";
import { db } from "@/lib/db";
import { log } from "@/lib/log";
import { clientAddress, signInWithPassword, userForOidcIdentity } from "@/lib/auth/credentials";
import { safeReturnPath } from "@/lib/auth/safe-return";

/** Wrong email or password; the code reaches the sign-in form, never which part was wrong. */
class InvalidCredentials extends CredentialsSignin {
  override code = "invalid_credentials";
}
class TooManyAttempts extends CredentialsSignin {
  override code = "rate_limited";
}

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

function authConfig(): NextAuthConfig {
  const cfg = config();
  const providers: Provider[] = [
    Credentials({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, request) {
        const result = await signInWithPassword(await db(), {
          email: credentials?.email,
          password: credentials?.password,
          address: clientAddress(request.headers),
        });
        if (!result.ok) throw result.reason === "rate_limited" ? new TooManyAttempts() : new InvalidCredentials();
        return { id: result.user.id, email: result.user.email, name: result.user.name };
      },
    }),
  ];
  if (cfg.oidc) {
    providers.push({
      id: "oidc",
      name: "Single sign-on",
      type: "oidc",
      issuer: cfg.oidc.issuer,
      clientId: cfg.oidc.clientId,
      clientSecret: cfg.oidc.clientSecret,
      checks: ["pkce", "state", "nonce"],
    });
  }
  return {
    secret: cfg.authSecret,
    trustHost: true,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/signin", error: "/signin" },
    providers,
    callbacks: {
      // OIDC identities map to existing users by verified email; nobody is created here.
      async signIn({ account, profile }) {
        if (account?.provider !== "oidc") return true;
        return (await userForOidcIdentity(await db(), profile ?? undefined, { recordSignIn: false })) !== null;
      },
      // Runs once with `account` at sign-in (after signIn allowed it), then on every session read.
      async jwt({ token, user, account, profile }) {
        if (account?.provider === "oidc") {
          const found = await userForOidcIdentity(await db(), profile ?? undefined);
          token.uid = found?.id;
          token.sub = found?.id;
        } else if (user?.id) {
          token.uid = user.id;
        }
        return token;
      },
      session({ session, token }) {
        if (session.user && typeof token.uid === "string") session.user.id = token.uid;
        return session;
      },
      // Only same-origin paths are followed after sign-in or sign-out.
      redirect({ url, baseUrl }) {
        if (url.startsWith("/")) return `${baseUrl}${safeReturnPath(url)}`;
        try {
          const target = new URL(url);
          if (target.origin === new URL(baseUrl).origin) return `${baseUrl}${safeReturnPath(`${target.pathname}${target.search}${target.hash}`)}`;
        } catch {
          // not a URL: fall through
        }
        return baseUrl;
      },
    },
    logger: {
      error(error) {
        // Wrong passwords are expected; they are counted in auth_failures, not logged as errors.
        if ((error as { type?: string }).type === "CredentialsSignin") return;
        log.error("sign-in error", { err: error });
      },
      warn(code) {
        log.warn("sign-in warning", { code });
      },
      debug() {},
    },
  };
}

// Lazy so that building the app never reads the configuration or the data folder.
export const { handlers, auth, signIn, signOut } = NextAuth(() => authConfig());
