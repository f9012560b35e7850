// Built-in catalog of destructive cloud API calls, matched on method and URL (and, for query
// and GraphQL APIs, on the action named in the request). Each entry names the provider's
// published API reference it was built from. A match replaces the generic
// `http.unclassified_write` finding; several entries may match one request.
import { Kind } from "graphql";
import { scanGraphql, type GraphqlField } from "./graphql";
import { type Finding, type RiskLevel, quoteName } from "./levels";

/** A request prepared for matching: method upper-cased, host lower-cased, path decoded and normalised. */
export interface HttpRequestView {
  method: string;
  host: string;
  /** Percent-decoded, without duplicate or trailing slashes, e.g. `/v1/projects/abc`. */
  path: string;
  query: URLSearchParams;
  /** The body when it is a JSON value (object, array), else undefined. */
  json: unknown;
  /** The body when it is `application/x-www-form-urlencoded` text, else undefined. */
  form: URLSearchParams | undefined;
  /** The body as text when it was given as a string. */
  text: string | undefined;
}

export interface HttpCatalogEntry {
  /** Finding id produced on a match. */
  id: string;
  level: RiskLevel;
  provider: string;
  /** The provider's published API reference this entry was built from. */
  reference: string;
  /** Returns the finding message when the request matches, else null. */
  match(request: HttpRequestView): string | null;
}

export interface HttpCatalogResult {
  findings: Finding[];
  /** True when some entry recognised the request as a known-safe read (e.g. a GraphQL query). */
  knownRead: boolean;
}

/**
 * Domains of the providers this catalog and the shell's CLI catalog know, and of the other big
 * clouds: a host made to look like one of them (see hosts.ts) is critical.
 */
export const PROVIDER_DOMAINS: readonly string[] = [
  "amazonaws.com", "amazonaws.com.cn", "api.aws", "aws.amazon.com", "googleapis.com", "google.com", "cloud.google.com",
  "azure.com", "windows.net", "microsoft.com", "microsoftonline.com", "heroku.com", "supabase.com", "supabase.io",
  "neon.tech", "vercel.com", "github.com", "githubusercontent.com", "gitlab.com", "railway.com", "railway.app",
  "digitalocean.com", "fly.io", "cloudflare.com",
];

// ---------------------------------------------------------------------------------------------
// Matching helpers

const AWS_SUFFIX = String.raw`(?:\.[a-z0-9-]+)*\.(?:amazonaws\.com(?:\.cn)?|api\.aws)`;
const awsHost = (service: string) => new RegExp(`^(?:[a-z0-9-]+\\.)*${service}(?:-fips)?${AWS_SUFFIX}$`);
const RDS_HOST = awsHost("rds");
const EC2_HOST = awsHost("ec2");
const BACKUP_HOST = awsHost("backup");
const S3_HOST = /^(?:(.+)\.)?s3(?:[.-](?:external-1|fips|dualstack|accelerate|[a-z]{2}-[a-z]+-\d))*(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/;

/**
 * Every value of a query-API parameter, from the URL, a form body and a JSON body (AWS accepts
 * all three). A name may repeat: which copy the service honours is not ours to guess, so callers
 * consider them all.
 */
function params(request: HttpRequestView, name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const source of [request.query, request.form]) {
    if (!source) continue;
    for (const [key, value] of source) if (key.toLowerCase() === lower) values.push(value);
  }
  if (request.json && typeof request.json === "object" && !Array.isArray(request.json)) {
    for (const [key, value] of Object.entries(request.json as Record<string, unknown>)) {
      if (key.toLowerCase() === lower && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) values.push(String(value));
    }
  }
  return values;
}

/** The first value of a parameter, for naming things in messages. */
function param(request: HttpRequestView, name: string): string | undefined {
  return params(request, name)[0];
}

/** True when some value of the parameter is the boolean `value` (`true`/`false`, any case). */
function someBoolean(request: HttpRequestView, name: string, value: boolean): boolean {
  return params(request, name).some((v) => v.trim().toLowerCase() === String(value));
}

/** True when some value of the parameter is the number zero however written (`0`, `00`, `+0`, `0.0`). */
function someZero(request: HttpRequestView, name: string): boolean {
  return params(request, name).some((v) => v.trim() !== "" && Number(v.trim()) === 0);
}

/** The catalogued action among every `Action` value of the request (URL and body), if any. */
function awsAction(request: HttpRequestView, host: RegExp, actions: string[]): string | null {
  if (!host.test(request.host)) return null;
  for (const value of params(request, "Action")) {
    const action = actions.find((a) => a.toLowerCase() === value.trim().toLowerCase());
    if (action) return action;
  }
  return null;
}

function pathMatch(request: HttpRequestView, method: string | string[], host: RegExp | null, path: RegExp): RegExpExecArray | null {
  const methods = Array.isArray(method) ? method : [method];
  if (!methods.includes(request.method)) return null;
  if (host && !host.test(request.host)) return null;
  return path.exec(request.path);
}

const named = (label: string, value: string | undefined) => (value ? ` ${label} ${quoteName(value)}` : "");

/** `false`, or the string `"false"` (proto3 JSON accepts both for a boolean field). */
function isFalse(value: unknown): boolean {
  return value === false || (typeof value === "string" && value.trim().toLowerCase() === "false");
}

/** A number that is zero however it was sent (`0`, `"0"`, `"00"`). */
function isZero(value: unknown): boolean {
  if (typeof value === "number") return value === 0;
  return typeof value === "string" && value.trim() !== "" && Number(value.trim()) === 0;
}

/** The S3 bucket a request addresses and the path inside it (virtual-hosted or path style). */
function s3Bucket(request: HttpRequestView): { bucket: string; key: string[] } | null {
  const host = S3_HOST.exec(request.host);
  if (!host) return null;
  const segments = request.path.split("/").filter(Boolean);
  if (host[1] !== undefined) return { bucket: host[1], key: segments };
  return segments.length > 0 ? { bucket: segments[0]!, key: segments.slice(1) } : null;
}

/** The text of every `<tag>…</tag>` element of an XML body. */
function xmlValues(text: string | undefined, tag: string): string[] {
  if (!text) return [];
  return [...text.matchAll(new RegExp(`<(?:[A-Za-z0-9_]+:)?${tag}\\b[^>]*>([^<]*)<`, "g"))].map((m) => m[1]!.trim());
}

// ---------------------------------------------------------------------------------------------
// Railway GraphQL

const RAILWAY_HOST = /^backboard\.railway\.(?:app|com)$/;

interface GraphqlDocument {
  query: string;
  variables: Record<string, unknown>;
}

/** The GraphQL documents in a request: `{query, variables}`, a batch array, a raw string, or `?query=`. */
export function graphqlDocuments(request: HttpRequestView): GraphqlDocument[] | null {
  const documents: GraphqlDocument[] = [];
  const fromValue = (value: unknown): boolean => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const object = value as Record<string, unknown>;
      if (typeof object.query !== "string") return false;
      const variables = object.variables && typeof object.variables === "object" ? (object.variables as Record<string, unknown>) : {};
      documents.push({ query: object.query, variables });
      return true;
    }
    return false;
  };
  if (Array.isArray(request.json)) {
    for (const item of request.json) if (!fromValue(item)) return null;
  } else if (request.json !== undefined) {
    if (!fromValue(request.json)) return null;
  } else if (request.text !== undefined && request.text.trim() !== "") {
    documents.push({ query: request.text, variables: {} });
  }
  const fromUrl = request.query.get("query");
  if (fromUrl !== null) documents.push({ query: fromUrl, variables: {} });
  return documents;
}

interface RailwayScan {
  /** True when every document was found and parsed. */
  ok: boolean;
  /** True when the request holds no GraphQL document that could be read (malformed body, persisted query). */
  unreadable: boolean;
  /** Documents that do not parse, with the name tokens the lexer found in them (null: not even that). */
  unparsed: { text: string; names: string[] | null }[];
  hasMutation: boolean;
  /** Every field in the parsed documents, for telling a read apart. */
  fields: BoundField[];
  /** Fields a mutation in the parsed documents could run (see GraphqlScan.mutationFields). */
  mutationFields: BoundField[];
  rootMutationFields: string[];
}

type BoundField = GraphqlField & { variables: Record<string, unknown> };

/** One scan per request: every Railway entry asks, and a document can be large. */
const RAILWAY_SCANS = new WeakMap<HttpRequestView, RailwayScan | null>();

function scanRailway(request: HttpRequestView): RailwayScan | null {
  if (!RAILWAY_SCANS.has(request)) RAILWAY_SCANS.set(request, scanRailwayDocuments(request));
  return RAILWAY_SCANS.get(request)!;
}

function scanRailwayDocuments(request: HttpRequestView): RailwayScan | null {
  if (!RAILWAY_HOST.test(request.host) || !request.path.startsWith("/graphql")) return null;
  const documents = graphqlDocuments(request);
  const result: RailwayScan = { ok: true, unreadable: false, unparsed: [], hasMutation: false, fields: [], mutationFields: [], rootMutationFields: [] };
  if (!documents || documents.length === 0) return { ...result, ok: false, unreadable: true };
  for (const document of documents) {
    const scan = scanGraphql(document.query);
    if (!scan.ok) {
      result.ok = false;
      result.unparsed.push({ text: document.query, names: scan.unparsedNames });
      continue;
    }
    if (scan.operations.includes("mutation")) result.hasMutation = true;
    result.fields.push(...scan.fields.map((f) => ({ ...f, variables: document.variables })));
    result.mutationFields.push(...scan.mutationFields.map((f) => ({ ...f, variables: document.variables })));
    result.rootMutationFields.push(...scan.rootMutationFields);
  }
  return result;
}

/**
 * Fields of a Railway mutation with a given name. When a document does not parse we cannot prove
 * the mutation is absent, so fail closed: the name counts if the lexer saw it as a name token, or,
 * when the document does not even lex (or the body holds no readable document), if it appears
 * anywhere in the text. Such a match has no arguments, so argument checks treat it as the worst case.
 */
function railwayMutation(request: HttpRequestView, field: string): BoundField[] {
  const scan = scanRailway(request);
  if (!scan) return [];
  const unknown: BoundField = { name: field, args: [], variables: {} };
  if (scan.unreadable) {
    const raw = [request.text ?? "", JSON.stringify(request.json ?? null), request.query.get("query") ?? ""].join("\n");
    return raw.includes(field) ? [unknown] : [];
  }
  const found = scan.mutationFields.filter((f) => f.name === field);
  for (const document of scan.unparsed) {
    if (document.names ? document.names.includes(field) : document.text.includes(field)) found.push(unknown);
  }
  return found;
}

function railwayEntry(id: string, field: string, what: string): HttpCatalogEntry {
  return {
    id,
    level: "critical",
    provider: "Railway",
    // Railway public GraphQL API (https://docs.railway.com/reference/public-api); mutation names as
    // used by the official Railway CLI (railwayapp/cli src/gql/mutations).
    reference: "https://docs.railway.com/reference/public-api",
    match: (request) => (railwayMutation(request, field).length > 0 ? `${what} (Railway GraphQL mutation ${quoteName(field)})` : null),
  };
}

/** `/repos/{owner}/{repo}/git/refs/{ref}` on api.github.com, or under `/api/v3` on GitHub Enterprise Server. */
function githubRefPath(request: HttpRequestView): RegExp {
  return /^api\.github\.com$/.test(request.host) ? /^\/repos\/([^/]+)\/([^/]+)\/git\/refs\/(.+)$/i : /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/git\/refs\/(.+)$/i;
}

/** True when the `kinds` argument of a backup-schedule update is provably non-empty. */
function scheduleKeepsBackups(field: BoundField): boolean {
  const kinds = field.args.find((a) => a.name.value === "kinds")?.value;
  if (kinds?.kind === Kind.LIST) return kinds.values.length > 0;
  if (kinds?.kind === Kind.VARIABLE) {
    const bound = field.variables[kinds.name.value];
    return Array.isArray(bound) && bound.length > 0;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The catalog

export const HTTP_CATALOG: readonly HttpCatalogEntry[] = [
  // Amazon RDS Query API — DeleteDBInstance, DeleteDBCluster, DeleteGlobalCluster
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html
  {
    id: "http.delete_database",
    level: "critical",
    provider: "AWS RDS",
    reference: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html",
    match(request) {
      const action = awsAction(request, RDS_HOST, ["DeleteDBInstance", "DeleteDBCluster", "DeleteGlobalCluster"]);
      if (!action) return null;
      const id = param(request, "DBInstanceIdentifier") ?? param(request, "DBClusterIdentifier") ?? param(request, "GlobalClusterIdentifier");
      const noFinalSnapshot = someBoolean(request, "SkipFinalSnapshot", true) ? ", skipping the final snapshot" : "";
      return `Deletes an RDS database (${action})${named("named", id)}${noFinalSnapshot}`;
    },
  },
  // DeleteDBInstance / DeleteDBCluster remove automated backups unless DeleteAutomatedBackups=false
  // ("The default is to remove automated backups immediately after the DB instance is deleted.")
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html
  {
    id: "backup.delete_backup",
    level: "critical",
    provider: "AWS RDS",
    reference: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html",
    match(request) {
      const action = awsAction(request, RDS_HOST, ["DeleteDBInstance", "DeleteDBCluster"]);
      if (!action) return null;
      // Kept only when every copy of the parameter says false.
      const keep = params(request, "DeleteAutomatedBackups");
      if (keep.length > 0 && keep.every((v) => v.trim().toLowerCase() === "false")) return null;
      return `${action} also deletes the database's automated backups, because DeleteAutomatedBackups is not set to false`;
    },
  },
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSnapshot.html
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBClusterSnapshot.html
  {
    id: "backup.delete_snapshot",
    level: "critical",
    provider: "AWS RDS",
    reference: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSnapshot.html",
    match(request) {
      const action = awsAction(request, RDS_HOST, ["DeleteDBSnapshot", "DeleteDBClusterSnapshot"]);
      if (!action) return null;
      const id = param(request, "DBSnapshotIdentifier") ?? param(request, "DBClusterSnapshotIdentifier");
      return `Deletes an RDS snapshot (${action})${named("named", id)}`;
    },
  },
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstanceAutomatedBackup.html
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBClusterAutomatedBackup.html
  {
    id: "backup.delete_backup",
    level: "critical",
    provider: "AWS RDS",
    reference: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstanceAutomatedBackup.html",
    match(request) {
      const action = awsAction(request, RDS_HOST, ["DeleteDBInstanceAutomatedBackup", "DeleteDBClusterAutomatedBackup"]);
      return action ? `Deletes RDS automated backups (${action})` : null;
    },
  },
  // ModifyDBInstance / ModifyDBCluster: "Setting this parameter to 0 disables automated backups."
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html
  {
    id: "backup.disable_backups",
    level: "critical",
    provider: "AWS RDS",
    reference: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html",
    match(request) {
      const action = awsAction(request, RDS_HOST, ["ModifyDBInstance", "ModifyDBCluster"]);
      if (!action || !someZero(request, "BackupRetentionPeriod")) return null;
      return `Turns off automated backups and point-in-time recovery (${action} with BackupRetentionPeriod=0)`;
    },
  },
  // Amazon EC2 Query API — DeleteSnapshot
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSnapshot.html
  {
    id: "backup.delete_snapshot",
    level: "critical",
    provider: "AWS EC2",
    reference: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSnapshot.html",
    match(request) {
      if (!awsAction(request, EC2_HOST, ["DeleteSnapshot"])) return null;
      const id = param(request, "SnapshotId");
      return `Deletes EBS snapshot${id ? ` ${quoteName(id)}` : "s"}`;
    },
  },
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVolume.html
  {
    id: "http.delete_volume",
    level: "critical",
    provider: "AWS EC2",
    reference: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVolume.html",
    match(request) {
      if (!awsAction(request, EC2_HOST, ["DeleteVolume"])) return null;
      const id = param(request, "VolumeId");
      return `Deletes EBS volume${id ? ` ${quoteName(id)}` : "s"}`;
    },
  },
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html
  {
    id: "http.delete_service",
    level: "critical",
    provider: "AWS EC2",
    reference: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html",
    match: (request) => (awsAction(request, EC2_HOST, ["TerminateInstances"]) ? "Terminates EC2 instances (TerminateInstances)" : null),
  },
  // AWS Backup REST API — DeleteRecoveryPoint: DELETE /backup-vaults/{backupVaultName}/recovery-points/{recoveryPointArn}
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteRecoveryPoint.html
  {
    id: "backup.delete_backup",
    level: "critical",
    provider: "AWS Backup",
    reference: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteRecoveryPoint.html",
    match(request) {
      const m = pathMatch(request, "DELETE", BACKUP_HOST, /^\/backup-vaults\/([^/]+)\/recovery-points\/(.+)$/i);
      return m ? `Deletes AWS Backup recovery point ${quoteName(m[2]!)} from vault ${quoteName(m[1]!)}` : null;
    },
  },
  // DeleteBackupVault: DELETE /backup-vaults/{backupVaultName}
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupVault.html
  {
    id: "backup.delete_backup",
    level: "critical",
    provider: "AWS Backup",
    reference: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupVault.html",
    match(request) {
      const m = pathMatch(request, "DELETE", BACKUP_HOST, /^\/backup-vaults\/([^/]+)$/i);
      return m ? `Deletes AWS Backup vault ${quoteName(m[1]!)}` : null;
    },
  },
  // DeleteBackupPlan: DELETE /backup/plans/{backupPlanId} — no further backups are taken
  // https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupPlan.html
  {
    id: "backup.disable_backups",
    level: "critical",
    provider: "AWS Backup",
    reference: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupPlan.html",
    match(request) {
      const m = pathMatch(request, "DELETE", BACKUP_HOST, /^\/backup\/plans\/([^/]+)$/i);
      return m ? `Deletes AWS Backup plan ${quoteName(m[1]!)}, stopping the backups it schedules` : null;
    },
  },
  // Amazon S3 REST API — DeleteBucket (DELETE /), DeleteObject (DELETE /{Key+}), DeleteObjects (POST /?delete)
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
  {
    id: "http.delete_bucket",
    level: "critical",
    provider: "AWS S3",
    reference: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html",
    match(request) {
      if (request.method !== "DELETE") return null;
      const host = S3_HOST.exec(request.host);
      if (!host) return null;
      const segments = request.path.split("/").filter(Boolean);
      const virtualHosted = host[1] !== undefined;
      if (virtualHosted && segments.length === 0) return `Deletes S3 bucket ${quoteName(host[1]!)}`;
      if (!virtualHosted && segments.length === 1) return `Deletes S3 bucket ${quoteName(segments[0]!)}`;
      return null;
    },
  },
  {
    id: "http.delete_object",
    level: "high",
    provider: "AWS S3",
    reference: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html",
    match(request) {
      const host = S3_HOST.exec(request.host);
      if (!host) return null;
      const segments = request.path.split("/").filter(Boolean);
      const virtualHosted = host[1] !== undefined;
      if (request.method === "POST" && request.query.has("delete")) return "Deletes several S3 objects at once (DeleteObjects)";
      if (request.method !== "DELETE") return null;
      if (virtualHosted && segments.length > 0) return `Deletes S3 object ${quoteName(segments.join("/"))} from bucket ${quoteName(host[1]!)}`;
      if (!virtualHosted && segments.length > 1) return `Deletes S3 object ${quoteName(segments.slice(1).join("/"))} from bucket ${quoteName(segments[0]!)}`;
      return null;
    },
  },
  // PutBucketVersioning: PUT /?versioning with <VersioningConfiguration><Status>Suspended</Status>;
  // once suspended, overwritten and deleted objects are no longer kept as recoverable versions.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
  {
    id: "backup.disable_backups",
    level: "critical",
    provider: "AWS S3",
    reference: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html",
    match(request) {
      if (request.method !== "PUT" || !request.query.has("versioning")) return null;
      const target = s3Bucket(request);
      if (!target || target.key.length > 0) return null;
      const statuses = xmlValues(request.text, "Status");
      // Only an explicit Enabled keeps versioning on; anything else (Suspended, unreadable) fails closed.
      if (statuses.length > 0 && statuses.every((status) => status === "Enabled")) return null;
      return `Suspends versioning of S3 bucket ${quoteName(target.bucket)}, so overwritten and deleted objects can no longer be recovered`;
    },
  },
  // PutBucketLifecycleConfiguration: PUT /?lifecycle; Expiration deletes current objects and
  // NoncurrentVersionExpiration deletes the old versions that act as the bucket's backups.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
  {
    id: "backup.delete_backup",
    level: "critical",
    provider: "AWS S3",
    reference: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html",
    match(request) {
      if (request.method !== "PUT" || !request.query.has("lifecycle")) return null;
      const target = s3Bucket(request);
      if (!target || target.key.length > 0) return null;
      const text = request.text ?? JSON.stringify(request.json ?? "");
      if (!/Expiration\b/.test(text) && request.text !== undefined && request.text.trim() !== "") return null;
      return `Sets lifecycle rules on S3 bucket ${quoteName(target.bucket)} that expire objects or their old versions, deleting them automatically`;
    },
  },
  // Heroku Platform API — App Delete: DELETE /apps/{app_id_or_name}
  // https://devcenter.heroku.com/articles/platform-api-reference#app-delete
  {
    id: "http.delete_service",
    level: "critical",
    provider: "Heroku",
    reference: "https://devcenter.heroku.com/articles/platform-api-reference#app-delete",
    match(request) {
      const m = pathMatch(request, "DELETE", /^api\.heroku\.com$/, /^\/apps\/([^/]+)$/i);
      return m ? `Deletes Heroku app ${quoteName(m[1]!)} and everything attached to it` : null;
    },
  },
  // Add-on Delete: DELETE /apps/{app_id_or_name}/addons/{add_on_id_or_name} — add-ons include Heroku Postgres
  // https://devcenter.heroku.com/articles/platform-api-reference#add-on-delete
  {
    id: "http.delete_database",
    level: "critical",
    provider: "Heroku",
    reference: "https://devcenter.heroku.com/articles/platform-api-reference#add-on-delete",
    match(request) {
      const m = pathMatch(request, "DELETE", /^api\.heroku\.com$/, /^(?:\/apps\/([^/]+))?\/addons\/([^/]+)$/i);
      return m ? `Deletes Heroku add-on ${quoteName(m[2]!)}${named("of app", m[1])} (add-ons include databases such as Heroku Postgres)` : null;
    },
  },
  // Google Cloud SQL Admin API — instances.delete: DELETE …/projects/{project}/instances/{instance}
  // https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances/delete
  {
    id: "http.delete_database",
    level: "critical",
    provider: "Google Cloud SQL",
    reference: "https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances/delete",
    match(request) {
      const m = pathMatch(request, "DELETE", /^sqladmin\.googleapis\.com$/, /^(?:\/sql)?\/v1(?:beta4)?\/projects\/([^/]+)\/instances\/([^/]+)(?:\/databases\/([^/]+))?$/i);
      if (!m) return null;
      return m[3] ? `Deletes database ${quoteName(m[3])} of Cloud SQL instance ${quoteName(m[2]!)}` : `Deletes Cloud SQL instance ${quoteName(m[2]!)} in project ${quoteName(m[1]!)}`;
    },
  },
  // backupRuns.delete: DELETE …/projects/{project}/instances/{instance}/backupRuns/{id}; backups.delete (v1 Backups API)
  // https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1beta4/backupRuns/delete
  {
    id: "backup.delete_backup",
    level: "critical",
    provider: "Google Cloud SQL",
    reference: "https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1beta4/backupRuns/delete",
    match(request) {
      const m = pathMatch(request, "DELETE", /^sqladmin\.googleapis\.com$/, /^(?:\/sql)?\/v1(?:beta4)?\/projects\/([^/]+)\/(?:instances\/([^/]+)\/backupRuns|backups)\/([^/]+)$/i);
      return m ? `Deletes Cloud SQL backup ${quoteName(m[3]!)}${named("of instance", m[2])}` : null;
    },
  },
  // instances.patch with settings.backupConfiguration.enabled = false turns off automated backups
  // https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances/patch
  {
    id: "backup.disable_backups",
    level: "critical",
    provider: "Google Cloud SQL",
    reference: "https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances/patch",
    match(request) {
      const m = pathMatch(request, ["PATCH", "PUT"], /^sqladmin\.googleapis\.com$/, /^(?:\/sql)?\/v1(?:beta4)?\/projects\/([^/]+)\/instances\/([^/]+)$/i);
      if (!m) return null;
      const settings = (request.json as { settings?: { backupConfiguration?: { enabled?: unknown; pointInTimeRecoveryEnabled?: unknown } } } | undefined)?.settings;
      const backup = settings?.backupConfiguration;
      // The API reads JSON booleans, but its JSON mapping also accepts "false" as a string.
      if (isFalse(backup?.enabled) || isFalse(backup?.pointInTimeRecoveryEnabled)) {
        return `Turns off automated backups or point-in-time recovery of Cloud SQL instance ${quoteName(m[2]!)}`;
      }
      return null;
    },
  },
  // Compute Engine API — disks.delete and snapshots.delete
  // https://cloud.google.com/compute/docs/reference/rest/v1/disks/delete
  {
    id: "http.delete_volume",
    level: "critical",
    provider: "Google Compute Engine",
    reference: "https://cloud.google.com/compute/docs/reference/rest/v1/disks/delete",
    match(request) {
      const m = pathMatch(request, "DELETE", /^(?:compute|www)\.googleapis\.com$/, /^\/compute\/v1\/projects\/[^/]+\/(?:zones|regions)\/[^/]+\/disks\/([^/]+)$/i);
      return m ? `Deletes Compute Engine disk ${quoteName(m[1]!)}` : null;
    },
  },
  // https://cloud.google.com/compute/docs/reference/rest/v1/snapshots/delete
  {
    id: "backup.delete_snapshot",
    level: "critical",
    provider: "Google Compute Engine",
    reference: "https://cloud.google.com/compute/docs/reference/rest/v1/snapshots/delete",
    match(request) {
      const m = pathMatch(request, "DELETE", /^(?:compute|www)\.googleapis\.com$/, /^\/compute\/v1\/projects\/[^/]+\/global\/snapshots\/([^/]+)$/i);
      return m ? `Deletes Compute Engine snapshot ${quoteName(m[1]!)}` : null;
    },
  },
  // Supabase Management API — DELETE /v1/projects/{ref} ("Deletes the given project")
  // https://supabase.com/docs/reference/api/v1-delete-a-project
  {
    id: "http.delete_project",
    level: "critical",
    provider: "Supabase",
    reference: "https://supabase.com/docs/reference/api/v1-delete-a-project",
    match(request) {
      const m = pathMatch(request, "DELETE", /^api\.supabase\.(?:com|io)$/, /^\/v1\/projects\/([^/]+)$/i);
      return m ? `Deletes Supabase project ${quoteName(m[1]!)} and its database` : null;
    },
  },
  // DELETE /v1/branches/{branch_id_or_ref} deletes a database branch
  // https://supabase.com/docs/reference/api/v1-delete-a-branch
  {
    id: "http.delete_database",
    level: "critical",
    provider: "Supabase",
    reference: "https://supabase.com/docs/reference/api/v1-delete-a-branch",
    match(request) {
      const m = pathMatch(request, "DELETE", /^api\.supabase\.(?:com|io)$/, /^\/v1\/branches\/([^/]+)$/i);
      return m ? `Deletes Supabase database branch ${quoteName(m[1]!)}` : null;
    },
  },
  // Neon API v2 — DELETE /projects/{project_id} ("Deletes the specified project and all its endpoints, branches, databases, and users")
  // https://api-docs.neon.tech/reference/deleteproject
  {
    id: "http.delete_project",
    level: "critical",
    provider: "Neon",
    reference: "https://api-docs.neon.tech/reference/deleteproject",
    match(request) {
      const m = pathMatch(request, "DELETE", /^console\.neon\.tech$/, /^\/api\/v2\/projects\/([^/]+)$/i);
      return m ? `Deletes Neon project ${quoteName(m[1]!)} with all its branches and databases` : null;
    },
  },
  // DELETE /projects/{project_id}/branches/{branch_id} and …/branches/{branch_id}/databases/{database_name}
  // https://api-docs.neon.tech/reference/deleteprojectbranch
  {
    id: "http.delete_database",
    level: "critical",
    provider: "Neon",
    reference: "https://api-docs.neon.tech/reference/deleteprojectbranch",
    match(request) {
      const m = pathMatch(request, "DELETE", /^console\.neon\.tech$/, /^\/api\/v2\/projects\/([^/]+)\/branches\/([^/]+)(?:\/databases\/([^/]+))?$/i);
      if (!m) return null;
      return m[3] ? `Deletes database ${quoteName(m[3])} on Neon branch ${quoteName(m[2]!)}` : `Deletes Neon branch ${quoteName(m[2]!)} of project ${quoteName(m[1]!)} and its data`;
    },
  },
  // Neon API v2 — Update project: PATCH /projects/{project_id} with project.history_retention_seconds;
  // 0 keeps no history, so point-in-time restore of the project's branches is gone.
  // https://api-docs.neon.tech/reference/updateproject
  {
    id: "backup.disable_backups",
    level: "critical",
    provider: "Neon",
    reference: "https://api-docs.neon.tech/reference/updateproject",
    match(request) {
      const m = pathMatch(request, ["PATCH", "PUT"], /^console\.neon\.tech$/, /^\/api\/v2\/projects\/([^/]+)$/i);
      if (!m) return null;
      const body = request.json as { project?: { history_retention_seconds?: unknown } } | undefined;
      if (!isZero(body?.project?.history_retention_seconds)) return null;
      return `Sets the history retention of Neon project ${quoteName(m[1]!)} to 0, turning off point-in-time restore`;
    },
  },
  // Vercel REST API — Delete a deployment: DELETE /v13/deployments/{id}
  // https://vercel.com/docs/rest-api/reference/endpoints/deployments/delete-a-deployment
  {
    id: "http.delete_deployment",
    level: "high",
    provider: "Vercel",
    reference: "https://vercel.com/docs/rest-api/reference/endpoints/deployments/delete-a-deployment",
    match(request) {
      const m = pathMatch(request, "DELETE", /^api\.vercel\.com$/, /^\/v\d+\/(?:now\/)?deployments\/([^/]+)$/i);
      return m ? `Deletes Vercel deployment ${quoteName(m[1]!)}; a site it serves goes down` : null;
    },
  },
  // Vercel REST API — Delete a Project: DELETE /v9/projects/{idOrName}
  // https://vercel.com/docs/rest-api/reference/endpoints/projects/delete-a-project
  {
    id: "http.delete_project",
    level: "critical",
    provider: "Vercel",
    reference: "https://vercel.com/docs/rest-api/reference/endpoints/projects/delete-a-project",
    match(request) {
      const m = pathMatch(request, "DELETE", /^api\.vercel\.com$/, /^\/v\d+\/projects\/([^/]+)$/i);
      return m ? `Deletes Vercel project ${quoteName(m[1]!)}` : null;
    },
  },
  // GitHub REST API — Delete a repository: DELETE /repos/{owner}/{repo}
  // https://docs.github.com/en/rest/repos/repos#delete-a-repository
  {
    id: "http.delete_project",
    level: "critical",
    provider: "GitHub",
    reference: "https://docs.github.com/en/rest/repos/repos#delete-a-repository",
    match(request) {
      const host = /^api\.github\.com$/.test(request.host);
      const m = pathMatch(request, "DELETE", null, host ? /^\/repos\/([^/]+)\/([^/]+)$/i : /^\/api\/v3\/repos\/([^/]+)\/([^/]+)$/i);
      return m ? `Deletes GitHub repository ${quoteName(`${m[1]}/${m[2]}`)}` : null;
    },
  },
  // GitHub REST API — Delete a reference: DELETE /repos/{owner}/{repo}/git/refs/{ref} (a branch or tag)
  // https://docs.github.com/en/rest/git/refs#delete-a-reference
  {
    id: "http.git_ref_delete",
    level: "high",
    provider: "GitHub",
    reference: "https://docs.github.com/en/rest/git/refs#delete-a-reference",
    match(request) {
      const m = pathMatch(request, "DELETE", null, githubRefPath(request));
      return m ? `Deletes ${quoteName(m[3]!)} of GitHub repository ${quoteName(`${m[1]}/${m[2]}`)}; commits only it reached are lost` : null;
    },
  },
  // Update a reference: PATCH /repos/{owner}/{repo}/git/refs/{ref} with "force": true moves the ref
  // to any commit, discarding the history after the fork point.
  // https://docs.github.com/en/rest/git/refs#update-a-reference
  {
    id: "http.git_force_update",
    level: "high",
    provider: "GitHub",
    reference: "https://docs.github.com/en/rest/git/refs#update-a-reference",
    match(request) {
      const m = pathMatch(request, ["PATCH", "POST"], null, githubRefPath(request));
      if (!m) return null;
      const force = (request.json as { force?: unknown } | undefined)?.force;
      if (force !== true && !(typeof force === "string" && force.trim().toLowerCase() === "true")) return null;
      return `Force-updates ${quoteName(m[3]!)} of GitHub repository ${quoteName(`${m[1]}/${m[2]}`)}, overwriting its history`;
    },
  },
  // Kubernetes API — DELETE on namespaces, persistent volume (claim)s, stateful workloads and volume snapshots.
  // Matched on path alone: the API server can live on any host.
  // https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/#delete-delete-a-namespace
  {
    id: "http.delete_project",
    level: "critical",
    provider: "Kubernetes",
    reference: "https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/#delete-delete-a-namespace",
    match(request) {
      const m = pathMatch(request, "DELETE", null, /^\/api\/v1\/namespaces\/([^/]+)$/);
      return m ? `Deletes Kubernetes namespace ${quoteName(m[1]!)} and everything in it` : null;
    },
  },
  // https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/#delete-delete-a-persistentvolumeclaim
  {
    id: "http.delete_volume",
    level: "critical",
    provider: "Kubernetes",
    reference: "https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/",
    match(request) {
      const claim = pathMatch(request, "DELETE", null, /^\/api\/v1\/namespaces\/([^/]+)\/persistentvolumeclaims(?:\/([^/]+))?$/);
      if (claim) return claim[2] ? `Deletes Kubernetes volume claim ${quoteName(claim[2])} in namespace ${quoteName(claim[1]!)}` : `Deletes every Kubernetes volume claim in namespace ${quoteName(claim[1]!)}`;
      const volume = pathMatch(request, "DELETE", null, /^\/api\/v1\/persistentvolumes(?:\/([^/]+))?$/);
      if (volume) return volume[1] ? `Deletes Kubernetes persistent volume ${quoteName(volume[1])}` : "Deletes every Kubernetes persistent volume";
      return null;
    },
  },
  // https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/stateful-set-v1/#delete-delete-a-statefulset
  {
    id: "http.delete_service",
    level: "critical",
    provider: "Kubernetes",
    reference: "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/stateful-set-v1/",
    match(request) {
      const m = pathMatch(request, "DELETE", null, /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(statefulsets|deployments|daemonsets)(?:\/([^/]+))?$/);
      if (!m) return null;
      const kind = m[2]!.replace(/s$/, "");
      return m[3] ? `Deletes Kubernetes ${kind} ${quoteName(m[3])} in namespace ${quoteName(m[1]!)}` : `Deletes every Kubernetes ${kind} in namespace ${quoteName(m[1]!)}`;
    },
  },
  // https://kubernetes.io/docs/concepts/storage/volume-snapshots/ (snapshot.storage.k8s.io/v1 VolumeSnapshot)
  {
    id: "backup.delete_snapshot",
    level: "critical",
    provider: "Kubernetes",
    reference: "https://kubernetes.io/docs/concepts/storage/volume-snapshots/",
    match(request) {
      const m = pathMatch(request, "DELETE", null, /^\/apis\/snapshot\.storage\.k8s\.io\/[^/]+\/(?:namespaces\/([^/]+)\/)?volumesnapshot(?:content)?s(?:\/([^/]+))?$/);
      return m ? `Deletes Kubernetes volume snapshot${m[2] ? ` ${quoteName(m[2])}` : "s"}${named("in namespace", m[1])}` : null;
    },
  },
  {
    id: "http.kubernetes_delete",
    level: "high",
    provider: "Kubernetes",
    reference: "https://kubernetes.io/docs/reference/using-api/api-concepts/",
    match(request) {
      const m = pathMatch(request, "DELETE", null, /^\/apis?\/(?:[^/]+\/)?v1\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/);
      if (!m || /^(persistentvolumeclaims|statefulsets|deployments|daemonsets|volumesnapshots|volumesnapshotcontents)$/.test(m[2]!)) return null;
      return `Deletes Kubernetes ${m[2]}${m[3] ? ` ${quoteName(m[3])}` : " (every one)"} in namespace ${quoteName(m[1]!)}`;
    },
  },
  // Railway public GraphQL API (POST https://backboard.railway.com/graphql/v2)
  railwayEntry("http.delete_volume", "volumeDelete", "Deletes a Railway volume and its data"),
  railwayEntry("backup.delete_backup", "volumeInstanceBackupDelete", "Deletes a Railway volume backup"),
  railwayEntry("http.delete_service", "serviceDelete", "Deletes a Railway service"),
  railwayEntry("http.delete_environment", "environmentDelete", "Deletes a Railway environment with its services and volumes"),
  railwayEntry("http.delete_project", "projectDelete", "Deletes a Railway project with all its environments, services and volumes"),
  {
    id: "backup.disable_backups",
    level: "critical",
    provider: "Railway",
    reference: "https://docs.railway.com/reference/public-api",
    match(request) {
      const fields = railwayMutation(request, "volumeInstanceBackupScheduleUpdate");
      if (fields.length === 0 || fields.every(scheduleKeepsBackups)) return null;
      return "Changes a Railway volume's backup schedule in a way that can turn scheduled backups off (mutation `volumeInstanceBackupScheduleUpdate`)";
    },
  },
];

/** Runs every catalog entry; also tells whether the request is a recognised read (a Railway GraphQL query). */
export function matchHttpCatalog(request: HttpRequestView, catalog: readonly HttpCatalogEntry[] = HTTP_CATALOG): HttpCatalogResult {
  const findings: Finding[] = [];
  for (const entry of catalog) {
    const message = entry.match(request);
    if (message !== null) findings.push({ id: entry.id, level: entry.level, message });
  }
  let knownRead = false;
  if (findings.length === 0) {
    const railway = scanRailway(request);
    if (railway?.ok && !railway.hasMutation && railway.fields.length > 0) knownRead = true;
    else if (railway?.ok && railway.hasMutation) {
      const names = [...new Set(railway.rootMutationFields)].map(quoteName).join(", ");
      const what = names === "" ? "a GraphQL mutation" : `GraphQL mutation ${names}`;
      findings.push({ id: "http.unclassified_write", level: "high", message: `Runs Railway ${what}, which Countersign does not classify` });
    } else if (railway?.unreadable) {
      // A persisted-query hash (or no document at all): the server runs a document we cannot see.
      findings.push({ id: "http.unclassified_write", level: "high", message: "Sends Railway a GraphQL request without a readable document (such as a persisted-query hash), so Countersign cannot rule out a mutation" });
    } else if (railway && railway.unparsed.length > 0) {
      // Fail closed whatever the method: a document Countersign cannot parse may hold a mutation.
      findings.push({ id: "http.unclassified_write", level: "high", message: "Sends Railway a GraphQL document Countersign cannot parse, so cannot rule out a mutation" });
    }
  }
  return { findings, knownRead };
}
