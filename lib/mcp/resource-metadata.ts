// OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint. MCP clients read it after
// a 401 to learn how to authenticate; Countersign's agents present API keys as bearer tokens and
// there is no authorization server to send them to, so the document names none.
import "server-only";
import type { Config } from "../env";
import { MCP_PATH } from "./tools";

export const PROTECTED_RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";

export interface ProtectedResourceMetadata {
  resource: string;
  resource_name: string;
  bearer_methods_supported: ["header"];
  resource_documentation: string;
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");

/** The MCP endpoint's resource identifier: its absolute URL under COUNTERSIGN_URL. */
export function mcpResource(cfg: Config): string {
  return `${trimSlash(cfg.publicUrl)}${MCP_PATH}`;
}

/**
 * Where a resource's metadata lives (RFC 9728 §3.1): the well-known path inserted between the
 * host and the resource's own path.
 */
export function metadataUrlFor(resource: string): string {
  const url = new URL(resource);
  return `${url.origin}${PROTECTED_RESOURCE_METADATA_PATH}${trimSlash(url.pathname)}`;
}

/**
 * The metadata for the resource whose path follows the well-known prefix (`suffix`, "" for the
 * server itself), or null when Countersign serves no such resource.
 */
export function protectedResourceMetadata(cfg: Config, suffix: string): ProtectedResourceMetadata | null {
  const base = trimSlash(cfg.publicUrl);
  const resources = [base, mcpResource(cfg)];
  const requested = `${new URL(base).origin}${trimSlash(suffix)}`;
  const resource = resources.find((r) => trimSlash(r) === requested);
  if (!resource) return null;
  return {
    resource,
    resource_name: "Countersign",
    // An agent's API key in `Authorization: Bearer csk_…`; never in a query or a form body.
    bearer_methods_supported: ["header"],
    resource_documentation: `${base}/api/v1/openapi.json`,
  };
}

/**
 * The WWW-Authenticate challenge of a 401 from the MCP endpoint (RFC 6750 §3, RFC 9728 §5.1): a key
 * that was presented and refused is `invalid_token`; a request with none gets no error code.
 */
export function mcpChallenge(cfg: Config, presentedCredentials: boolean): string {
  const parts = ['Bearer realm="countersign"'];
  if (presentedCredentials) parts.push('error="invalid_token"', 'error_description="The API key is missing, unknown, revoked or expired."');
  parts.push(`resource_metadata="${metadataUrlFor(mcpResource(cfg))}"`);
  return parts.join(", ");
}
