// The agent routes' wrapper (agent-handler.ts), marked server-only for the Next.js bundles.
import "server-only";
export * from "./agent-handler";
