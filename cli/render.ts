// Human-readable output for the admin CLI (`--json` prints the raw result instead).
import { formatSimulation, type PolicySimulation } from "../lib/policy/simulate";
type Row = Record<string, unknown>;

function table(rows: Row[], columns: string[]): string {
  if (rows.length === 0) return "(none)";
  const cell = (v: unknown) => (v === null || v === undefined ? "-" : v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join(",") : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join("\n");
}

export function render(command: string, result: unknown): string {
  const r = result as Row;
  switch (command) {
    case "agent add":
      return [
        `Agent ${(r.agent as Row).name} created (id ${(r.agent as Row).id}).`,
        "API key — shown once, store it now:",
        "",
        `  ${r.key}`,
      ].join("\n");
    case "agent disable":
      return `Agent ${r.name} disabled: its keys are refused until it is enabled again.`;
    case "agent enable":
      return `Agent ${r.name} enabled: its keys work again.`;
    case "user disable":
      return `User ${r.email} disabled: signed out, and cannot sign in or review until enabled again.`;
    case "user enable":
      return `User ${r.email} enabled.`;
    case "user role":
      return `User ${r.email} is now ${r.role === "admin" || r.role === "approver" ? "an" : "a"} ${r.role}.`;
    case "user password":
      return `Password of ${r.email} changed.`;
    case "env add":
      return `Environment ${r.name} added (${r.tier} tier).`;
    case "env tier":
      return `Environment ${r.name} is now ${r.tier} tier.`;
    case "agent key add":
      return [`New key ${r.lookupId} for ${r.agent} — shown once, store it now:`, "", `  ${r.key}`].join("\n");
    case "agent list":
      return table(result as Row[], ["name", "environments", "resources", "scopes", "disabledAt"]);
    case "user list":
      return table(result as Row[], ["email", "role", "disabledAt"]);
    case "env list":
      return table(result as Row[], ["name", "tier", "description"]);
    case "resource add":
      return `Resource ${r.name} registered in ${r.environment}. Its ${r.kind === "http" ? "credential" : r.kind === "mcp" ? "secrets are" : "connection URL"}${r.kind === "mcp" ? "" : " is"} stored encrypted and will not be shown again.`;
    case "resource list":
      return table(result as Row[], ["name", "type", "environment", "baseUrl", "description", "createdAt"]);
    case "env bind":
      return `Environment ${r.name}: hosts ${(r.hosts as string[]).join(", ") || "(none)"}; resources ${(r.resourcePatterns as string[]).join(", ") || "(none)"}.`;
    case "resource set-url":
      return `Connection URL of ${r.name} replaced.`;
    case "resource remove":
      return `Resource ${r.name} removed.`;
    case "webhook add": {
      const endpoint = r.endpoint as Row;
      return [
        `Webhook ${endpoint.id} added: ${endpoint.url} receives ${(endpoint.events as string[]).join(", ")}.`,
        "Signing secret — shown once, store it with the receiver now:",
        "",
        `  ${r.secret}`,
      ].join("\n");
    }
    case "webhook list":
      return table(
        (result as Row[]).map((e) => {
          const last = (e.recentDeliveries as Row[])[0];
          return {
            ...e,
            enabled: e.enabled ? "yes" : "no",
            lastDelivery: last ? `${last.eventType} ${last.status}${last.lastStatusCode ? ` (HTTP ${last.lastStatusCode})` : last.lastError ? ` (${last.lastError})` : ""}` : null,
            lastAttemptAt: last?.lastAttemptAt,
          };
        }),
        ["id", "url", "events", "enabled", "lastDelivery", "lastAttemptAt"],
      );
    case "webhook disable":
      return `Webhook ${r.id} disabled: new events are not queued for it.`;
    case "webhook enable":
      return `Webhook ${r.id} enabled.`;
    case "webhook remove":
      return `Webhook ${r.id} removed.`;
    case "audit verify": {
      const chain =
        r.chainOk ?? r.ok
          ? `Audit chain intact: ${r.count} events${r.lastSeq ? `, last sequence ${r.lastSeq}` : ""}.`
          : `Audit chain BROKEN at sequence ${r.brokenAt}: ${r.reason}.`;
      const cp = r.checkpoints as { checked: number; findings: Array<{ message: string }> } | undefined;
      if (!cp) return chain;
      return [chain, cp.findings.length ? `Checkpoints: ${cp.findings.length} problem(s) in ${cp.checked} checked:` : `Checkpoints: all ${cp.checked} match the log.`, ...cp.findings.map((f) => `  ${f.message}`)].join("\n");
    }
    case "keys rotate":
      return `Signing key ${r.kid} published; it signs grants from ${new Date(r.activatesAt as string).toISOString()}${r.previousKid ? ` (${r.previousKid} until then)` : ""}.`;
    case "setup-link":
      return `Open within the hour to create the first admin:\n\n  ${r.url}`;
    case "user add":
      return `User ${r.email} added as ${r.role}.`;
    case "policy test":
      return formatSimulation(result as PolicySimulation);
    case "policy export":
      return String(r.yaml).trimEnd();
    case "policy import":
      return r.unchanged ? `Unchanged: the file is policy version ${r.version} as it stands (${r.rules} rules); no new version.` : `Saved as policy version ${r.version} (${r.rules} rules).`;
    case "agent unquarantine":
      return `Quarantine lifted: ${r.name}'s keys work again.`;
    case "agent key revoke":
      return `Key ${r.lookupId} revoked.`;
    default:
      return JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
  }
}
