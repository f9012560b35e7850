import { describe, expect, it } from "vitest";
import { assessHttp } from "./http";
import { HTTP_CATALOG } from "./http-catalog";
import type { RiskAssessment, RiskLevel } from "./levels";

const ids = (a: RiskAssessment) => [...new Set(a.findings.map((f) => f.id))].sort();

type Row = [label: string, call: { method: string; url: string; body?: unknown }, level: RiskLevel, findingIds: string[]];

function table(rows: Row[]) {
  it.each(rows)("%s", (_label, call, level, findingIds) => {
    const assessment = assessHttp(call);
    expect(ids(assessment)).toEqual([...findingIds].sort());
    expect(assessment.level).toBe(level);
  });
}

const RAILWAY = "https://backboard.railway.com/graphql/v2";
const gql = (query: string, variables?: Record<string, unknown>) => ({ method: "POST", url: RAILWAY, body: variables ? { query, variables } : { query } });

describe("methods without a catalog entry", () => {
  table([
    ["GET is a read", { method: "GET", url: "https://api.example.com/things" }, "low", []],
    ["HEAD is a read", { method: "HEAD", url: "https://api.example.com/things" }, "low", []],
    ["OPTIONS is not a read (only GET and HEAD are)", { method: "OPTIONS", url: "https://api.example.com/things" }, "high", ["http.unclassified_write"]],
    ["lower-case get is a read", { method: "get", url: "https://api.example.com/things" }, "low", []],
    ["POST is unclassified", { method: "POST", url: "https://api.example.com/things", body: { a: 1 } }, "high", ["http.unclassified_write"]],
    ["PUT is unclassified", { method: "PUT", url: "https://api.example.com/things/1" }, "high", ["http.unclassified_write"]],
    ["PATCH is unclassified", { method: "PATCH", url: "https://api.example.com/things/1" }, "high", ["http.unclassified_write"]],
    ["DELETE is unclassified", { method: "delete", url: "https://api.example.com/things/1" }, "high", ["http.unclassified_write"]],
    ["an unparsable URL fails closed", { method: "GET", url: "not a url" }, "high", ["http.unclassified_write"]],
  ]);

  it("names the method and host", () => {
    const [finding] = assessHttp({ method: "post", url: "https://api.example.com/v1/x?token=secret" }).findings;
    expect(finding?.message).toBe("Sends a POST request to `api.example.com`, which Countersign cannot classify");
  });
});

describe("AWS query APIs (Action in the URL or the body)", () => {
  table([
    ["RDS DeleteDBInstance by GET", { method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=DeleteDBInstance&DBInstanceIdentifier=prod" }, "critical", ["backup.delete_backup", "http.delete_database"]],
    [
      "RDS DeleteDBInstance keeping automated backups",
      { method: "POST", url: "https://rds.us-east-1.amazonaws.com/", body: "Action=DeleteDBInstance&DBInstanceIdentifier=prod&DeleteAutomatedBackups=false&Version=2014-10-31" },
      "critical",
      ["http.delete_database"],
    ],
    ["RDS DeleteDBCluster as a JSON body", { method: "POST", url: "https://rds.eu-west-1.amazonaws.com/", body: { Action: "DeleteDBCluster", DBClusterIdentifier: "main" } }, "critical", ["backup.delete_backup", "http.delete_database"]],
    ["RDS action names are case-insensitive", { method: "POST", url: "https://rds.us-east-1.amazonaws.com/", body: "action=deletedbinstance&DBInstanceIdentifier=prod" }, "critical", ["backup.delete_backup", "http.delete_database"]],
    ["RDS FIPS endpoint", { method: "GET", url: "https://rds-fips.us-east-1.amazonaws.com/?Action=DeleteDBInstance" }, "critical", ["backup.delete_backup", "http.delete_database"]],
    ["RDS China endpoint", { method: "GET", url: "https://rds.cn-north-1.amazonaws.com.cn/?Action=DeleteDBCluster&DeleteAutomatedBackups=false" }, "critical", ["http.delete_database"]],
    ["RDS DeleteDBSnapshot", { method: "POST", url: "https://rds.us-east-1.amazonaws.com/", body: "Action=DeleteDBSnapshot&DBSnapshotIdentifier=nightly" }, "critical", ["backup.delete_snapshot"]],
    ["RDS DeleteDBClusterSnapshot", { method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=DeleteDBClusterSnapshot&DBClusterSnapshotIdentifier=s1" }, "critical", ["backup.delete_snapshot"]],
    ["RDS DeleteDBInstanceAutomatedBackup", { method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=DeleteDBInstanceAutomatedBackup&DbiResourceId=db-1" }, "critical", ["backup.delete_backup"]],
    ["RDS backup retention 0", { method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=ModifyDBInstance&DBInstanceIdentifier=prod&BackupRetentionPeriod=0" }, "critical", ["backup.disable_backups"]],
    ["RDS backup retention 7 is not catalogued", { method: "POST", url: "https://rds.us-east-1.amazonaws.com/", body: "Action=ModifyDBInstance&BackupRetentionPeriod=7" }, "high", ["http.unclassified_write"]],
    ["RDS describe by GET is a read", { method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=DescribeDBInstances" }, "low", []],
    ["the Action on another host is not RDS", { method: "POST", url: "https://rds.example.com/?Action=DeleteDBInstance" }, "high", ["http.unclassified_write"]],
    ["EC2 DeleteSnapshot", { method: "POST", url: "https://ec2.us-east-1.amazonaws.com/", body: "Action=DeleteSnapshot&SnapshotId=snap-1" }, "critical", ["backup.delete_snapshot"]],
    ["EC2 DeleteVolume", { method: "GET", url: "https://ec2.us-west-2.amazonaws.com/?Action=DeleteVolume&VolumeId=vol-1" }, "critical", ["http.delete_volume"]],
    ["EC2 TerminateInstances", { method: "GET", url: "https://ec2.us-west-2.amazonaws.com/?Action=TerminateInstances&InstanceId.1=i-1" }, "critical", ["http.delete_service"]],
  ]);

  it("names the database and the backup consequence", () => {
    const messages = assessHttp({ method: "GET", url: "https://rds.us-east-1.amazonaws.com/?Action=DeleteDBInstance&DBInstanceIdentifier=prod&SkipFinalSnapshot=true" }).findings.map((f) => f.message);
    expect(messages).toEqual([
      "Deletes an RDS database (DeleteDBInstance) named `prod`, skipping the final snapshot",
      "DeleteDBInstance also deletes the database's automated backups, because DeleteAutomatedBackups is not set to false",
    ]);
  });
});

describe("REST APIs of cloud providers", () => {
  table([
    [
      "AWS Backup DeleteRecoveryPoint",
      { method: "DELETE", url: "https://backup.us-east-1.amazonaws.com/backup-vaults/main/recovery-points/arn%3Aaws%3Aec2%3Aus-east-1%3A%3Asnapshot%2Fsnap-1" },
      "critical",
      ["backup.delete_backup"],
    ],
    ["AWS Backup DeleteBackupVault", { method: "DELETE", url: "https://backup.us-east-1.amazonaws.com/backup-vaults/main" }, "critical", ["backup.delete_backup"]],
    ["AWS Backup DeleteBackupPlan", { method: "DELETE", url: "https://backup.us-east-1.amazonaws.com/backup/plans/plan-1" }, "critical", ["backup.disable_backups"]],
    ["AWS Backup list is a read", { method: "GET", url: "https://backup.us-east-1.amazonaws.com/backup-vaults/main/recovery-points/" }, "low", []],
    ["S3 DeleteBucket, virtual-hosted", { method: "DELETE", url: "https://my-bucket.s3.us-east-1.amazonaws.com/" }, "critical", ["http.delete_bucket"]],
    ["S3 DeleteBucket, path-style", { method: "DELETE", url: "https://s3.amazonaws.com/my-bucket" }, "critical", ["http.delete_bucket"]],
    ["S3 DeleteObject", { method: "DELETE", url: "https://s3.amazonaws.com/my-bucket/dumps/2026-04-01.sql" }, "high", ["http.delete_object"]],
    ["S3 DeleteObjects", { method: "POST", url: "https://my-bucket.s3.amazonaws.com/?delete", body: "<Delete/>" }, "high", ["http.delete_object"]],
    ["Heroku app delete", { method: "DELETE", url: "https://api.heroku.com/apps/prod-app" }, "critical", ["http.delete_service"]],
    ["Heroku add-on delete", { method: "DELETE", url: "https://api.heroku.com/apps/prod-app/addons/postgresql-curly-1234" }, "critical", ["http.delete_database"]],
    ["Cloud SQL instance delete (v1)", { method: "DELETE", url: "https://sqladmin.googleapis.com/v1/projects/acme/instances/prod-db" }, "critical", ["http.delete_database"]],
    ["Cloud SQL instance delete (v1beta4)", { method: "DELETE", url: "https://sqladmin.googleapis.com/sql/v1beta4/projects/acme/instances/prod-db" }, "critical", ["http.delete_database"]],
    ["Cloud SQL database delete", { method: "DELETE", url: "https://sqladmin.googleapis.com/v1/projects/acme/instances/prod-db/databases/app" }, "critical", ["http.delete_database"]],
    ["Cloud SQL backupRuns delete", { method: "DELETE", url: "https://sqladmin.googleapis.com/sql/v1beta4/projects/acme/instances/prod-db/backupRuns/1712345" }, "critical", ["backup.delete_backup"]],
    ["Cloud SQL backups delete", { method: "DELETE", url: "https://sqladmin.googleapis.com/v1/projects/acme/backups/b-1" }, "critical", ["backup.delete_backup"]],
    [
      "Cloud SQL patch turning backups off",
      { method: "PATCH", url: "https://sqladmin.googleapis.com/v1/projects/acme/instances/prod-db", body: { settings: { backupConfiguration: { enabled: false } } } },
      "critical",
      ["backup.disable_backups"],
    ],
    [
      "Cloud SQL patch of another setting",
      { method: "PATCH", url: "https://sqladmin.googleapis.com/v1/projects/acme/instances/prod-db", body: { settings: { tier: "db-custom-2-7680" } } },
      "high",
      ["http.unclassified_write"],
    ],
    ["Compute disk delete", { method: "DELETE", url: "https://compute.googleapis.com/compute/v1/projects/acme/zones/us-central1-a/disks/data" }, "critical", ["http.delete_volume"]],
    ["Compute snapshot delete", { method: "DELETE", url: "https://compute.googleapis.com/compute/v1/projects/acme/global/snapshots/nightly" }, "critical", ["backup.delete_snapshot"]],
    ["Supabase project delete", { method: "DELETE", url: "https://api.supabase.com/v1/projects/abcdefghijklmnop" }, "critical", ["http.delete_project"]],
    ["Supabase branch delete", { method: "DELETE", url: "https://api.supabase.com/v1/branches/br-1" }, "critical", ["http.delete_database"]],
    ["Neon project delete", { method: "DELETE", url: "https://console.neon.tech/api/v2/projects/aged-wildflower-123" }, "critical", ["http.delete_project"]],
    ["Neon branch delete", { method: "DELETE", url: "https://console.neon.tech/api/v2/projects/aged-wildflower-123/branches/br-main" }, "critical", ["http.delete_database"]],
    ["Neon database delete", { method: "DELETE", url: "https://console.neon.tech/api/v2/projects/p/branches/br/databases/app" }, "critical", ["http.delete_database"]],
    ["Vercel project delete", { method: "DELETE", url: "https://api.vercel.com/v9/projects/site" }, "critical", ["http.delete_project"]],
    ["GitHub repository delete", { method: "DELETE", url: "https://api.github.com/repos/acme/app" }, "critical", ["http.delete_project"]],
    ["GitHub Enterprise repository delete", { method: "DELETE", url: "https://github.acme.internal/api/v3/repos/acme/app" }, "critical", ["http.delete_project"]],
    ["GitHub issue comment delete is not a repository", { method: "DELETE", url: "https://api.github.com/repos/acme/app/issues/comments/1" }, "high", ["http.unclassified_write"]],
    ["Kubernetes namespace delete", { method: "DELETE", url: "https://10.0.0.1:6443/api/v1/namespaces/prod" }, "critical", ["http.delete_project"]],
    ["Kubernetes PVC delete", { method: "DELETE", url: "https://k8s.internal/api/v1/namespaces/prod/persistentvolumeclaims/data-db-0" }, "critical", ["http.delete_volume"]],
    ["Kubernetes PV delete", { method: "DELETE", url: "https://k8s.internal/api/v1/persistentvolumes/pv-1" }, "critical", ["http.delete_volume"]],
    ["Kubernetes statefulset delete", { method: "DELETE", url: "https://k8s.internal/apis/apps/v1/namespaces/prod/statefulsets/postgres" }, "critical", ["http.delete_service"]],
    ["Kubernetes volume snapshot delete", { method: "DELETE", url: "https://k8s.internal/apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots/nightly" }, "critical", ["backup.delete_snapshot"]],
    ["Kubernetes pod delete", { method: "DELETE", url: "https://k8s.internal/api/v1/namespaces/prod/pods/web-1" }, "high", ["http.kubernetes_delete"]],
    ["Kubernetes list is a read", { method: "GET", url: "https://k8s.internal/api/v1/namespaces/prod/pods" }, "low", []],
  ]);
});

describe("URL tricks do not hide a catalogued call", () => {
  table([
    ["duplicate and trailing slashes", { method: "DELETE", url: "https://api.heroku.com//apps/prod-app/" }, "critical", ["http.delete_service"]],
    ["percent-encoded path", { method: "DELETE", url: "https://api.supabase.com/v1/proj%65cts/abcd" }, "critical", ["http.delete_project"]],
    ["dot segments", { method: "DELETE", url: "https://api.vercel.com/v9/x/../projects/site" }, "critical", ["http.delete_project"]],
    ["upper-case host and trailing dot", { method: "DELETE", url: "https://API.HEROKU.COM./apps/prod" }, "critical", ["http.delete_service"]],
  ]);
});

describe("Railway GraphQL", () => {
  table([
    ["volumeDelete", gql('mutation { volumeDelete(volumeId: "v1") }'), "critical", ["http.delete_volume"]],
    [
      "volumeDelete behind an alias and a second operation",
      { method: "POST", url: RAILWAY, body: { query: 'query Me { me { id } }\nmutation Cleanup($id: String!) { tidy: volumeDelete(volumeId: $id) }', operationName: "Me", variables: { id: "v1" } } },
      "critical",
      ["http.delete_volume"],
    ],
    ["the body as a JSON string", { method: "POST", url: RAILWAY, body: JSON.stringify({ query: 'mutation M { volumeDelete(volumeId: "v") }' }) }, "critical", ["http.delete_volume"]],
    ["the body as raw GraphQL", { method: "POST", url: RAILWAY, body: 'mutation { serviceDelete(id: "s") }' }, "critical", ["http.delete_service"]],
    ["a batch with the mutation second", { method: "POST", url: RAILWAY, body: [{ query: "query { me { id } }" }, { query: 'mutation { projectDelete(id: "p") }' }] }, "critical", ["http.delete_project"]],
    ["behind a fragment", gql('mutation { ...Wipe } fragment Wipe on Mutation { volumeDelete(volumeId: "v") }'), "critical", ["http.delete_volume"]],
    ["behind an inline fragment", gql('mutation { ... on Mutation { environmentDelete(id: "e") } }'), "critical", ["http.delete_environment"]],
    ["on the .app host", { method: "POST", url: "https://backboard.railway.app/graphql/v2", body: { query: 'mutation { volumeDelete(volumeId: "v") }' } }, "critical", ["http.delete_volume"]],
    ["in the query string", { method: "GET", url: `${RAILWAY}?query=${encodeURIComponent('mutation { volumeDelete(volumeId: "v") }')}` }, "critical", ["http.delete_volume"]],
    ["volume backup delete", gql('mutation { volumeInstanceBackupDelete(volumeInstanceId: "i", volumeInstanceBackupId: "b") { workflowId } }'), "critical", ["backup.delete_backup"]],
    ["volume and its backups in one request", gql('mutation { a: volumeInstanceBackupDelete(volumeInstanceId: "i", volumeInstanceBackupId: "b") { workflowId } b: volumeDelete(volumeId: "v") }'), "critical", ["backup.delete_backup", "http.delete_volume"]],
    ["backup schedule emptied", gql('mutation { volumeInstanceBackupScheduleUpdate(volumeInstanceId: "i", kinds: []) }'), "critical", ["backup.disable_backups"]],
    ["backup schedule emptied through a variable", gql("mutation($k: [VolumeInstanceBackupScheduleKind!]!) { volumeInstanceBackupScheduleUpdate(volumeInstanceId: \"i\", kinds: $k) }", { k: [] }), "critical", ["backup.disable_backups"]],
    ["backup schedule kept", gql("mutation($k: [VolumeInstanceBackupScheduleKind!]!) { volumeInstanceBackupScheduleUpdate(volumeInstanceId: \"i\", kinds: $k) }", { k: ["DAILY"] }), "high", ["http.unclassified_write"]],
    ["a name only inside strings and comments", gql('mutation { variableUpsert(input: {name: "volumeDelete", value: "x"}) } # volumeDelete'), "high", ["http.unclassified_write"]],
    ["an alias named like a destructive mutation", gql('mutation { volumeDelete: variableUpsert(input: {name: "a"}) }'), "high", ["http.unclassified_write"]],
    ["a query is a read", gql("query { projects { edges { node { id name } } } }"), "low", []],
    ["a query that mentions volumeDelete in a string is a read", gql('query { project(id: "volumeDelete") { id } }'), "low", []],
    ["unlexable documents fail closed", gql('mutation { volumeDelete(volumeId: "v) }'), "critical", ["http.delete_volume"]],
    ["an alias hiding volumeDelete", gql('mutation { harmless: volumeDelete(volumeId: "v") { id } }'), "critical", ["http.delete_volume"]],
    [
      "operationName pointing at the harmless of two operations",
      { method: "POST", url: RAILWAY, body: { query: 'query Safe { me { id } }\nmutation Wipe { projectDelete(id: "p") }', operationName: "Safe" } },
      "critical",
      ["http.delete_project"],
    ],
    ["a named fragment spreading the destructive field", gql('mutation Tidy { ...Cleanup } fragment Cleanup on Mutation { ... on Mutation { gone: serviceDelete(id: "s") } }'), "critical", ["http.delete_service"]],
    ["a name only inside a block string and a comment", gql('mutation {\n  # projectDelete(id: "p")\n  variableUpsert(input: {name: "a", value: """serviceDelete"""})\n}'), "high", ["http.unclassified_write"]],
    ["an unparseable document naming a destructive field fails closed", gql('mutation { a: { volumeDelete(volumeId: "v") }'), "critical", ["http.delete_volume"]],
    ["an unparseable document is at least high", gql('mutation { variableUpsert(input: {name: "a"} '), "high", ["http.unclassified_write"]],
    ["an unparseable document sent with GET is at least high", { method: "GET", url: `${RAILWAY}?query=${encodeURIComponent("mutation { x(")}` }, "high", ["http.unclassified_write"]],
    ["an unparseable document with the name only in a string is high, not critical", gql('query { me { id } } """volumeDelete"""'), "high", ["http.unclassified_write"]],
    ["a document that does not even lex falls back to the raw text", gql("mutation { % volumeDelete }"), "critical", ["http.delete_volume"]],
    ["a query in a batch does not hide a mutation in the other document", { method: "POST", url: RAILWAY, body: [{ query: "query { volumeDelete }" }, { query: "mutation { a }" }] }, "high", ["http.unclassified_write"]],
    ["a persisted query without text is unclassified", { method: "POST", url: RAILWAY, body: { extensions: { persistedQuery: { sha256Hash: "abc" } } } }, "high", ["http.unclassified_write"]],
  ]);

  it("names unclassified mutations", () => {
    const [finding] = assessHttp(gql('mutation { variableUpsert(input: {name: "a"}) }')).findings;
    expect(finding?.message).toBe("Runs Railway GraphQL mutation `variableUpsert`, which Countersign does not classify");
  });
});

describe("the catalog itself", () => {
  it("names a published API reference for every entry", () => {
    for (const entry of HTTP_CATALOG) {
      expect(entry.reference, entry.id).toMatch(/^https:\/\/[a-z0-9.-]+\/\S+/);
      expect(entry.provider).not.toBe("");
    }
  });

  it("only uses backup.* ids for backups, snapshots and recovery", () => {
    for (const entry of HTTP_CATALOG.filter((e) => e.id.startsWith("backup."))) {
      expect(["backup.delete_backup", "backup.delete_snapshot", "backup.disable_backups"]).toContain(entry.id);
      expect(entry.level).toBe("critical");
    }
  });
});

describe("AWS form bodies are read as a server reads them", () => {
  const rds = "https://rds.us-east-1.amazonaws.com/";
  table([
    ["a leading &", { method: "POST", url: rds, body: "&Action=DeleteDBSnapshot&DBSnapshotIdentifier=s" }, "critical", ["backup.delete_snapshot"]],
    ["an unencoded space in a value", { method: "POST", url: rds, body: "Action=DeleteDBSnapshot&DBSnapshotIdentifier=my snap" }, "critical", ["backup.delete_snapshot"]],
    ["a line break between pairs", { method: "POST", url: rds, body: "Action=DeleteDBSnapshot\n&DBSnapshotIdentifier=s" }, "critical", ["backup.delete_snapshot"]],
    ["CRLF line breaks and padding", { method: "POST", url: rds, body: "  Action = DeleteDBSnapshot\r\nDBSnapshotIdentifier=s\r\n" }, "critical", ["backup.delete_snapshot"]],
    ["a read Action in the URL, a deletion in the body", { method: "POST", url: `${rds}?Action=DescribeDBInstances`, body: "Action=DeleteDBSnapshot&DBSnapshotIdentifier=s" }, "critical", ["backup.delete_snapshot"]],
    ["a repeated Action in the body", { method: "POST", url: rds, body: "Action=DescribeDBInstances&Action=DeleteDBSnapshot" }, "critical", ["backup.delete_snapshot"]],
    ["retention 00", { method: "POST", url: rds, body: "Action=ModifyDBInstance&BackupRetentionPeriod=00" }, "critical", ["backup.disable_backups"]],
    ["retention +0", { method: "POST", url: rds, body: "Action=ModifyDBInstance&BackupRetentionPeriod=%2B0" }, "critical", ["backup.disable_backups"]],
    ["retention 0.0 in the URL", { method: "GET", url: `${rds}?Action=ModifyDBCluster&BackupRetentionPeriod=0.0` }, "critical", ["backup.disable_backups"]],
    ["retention 0 as a JSON number", { method: "POST", url: rds, body: { Action: "ModifyDBInstance", BackupRetentionPeriod: 0 } }, "critical", ["backup.disable_backups"]],
    ["a second retention value of 0", { method: "POST", url: `${rds}?BackupRetentionPeriod=7`, body: "Action=ModifyDBInstance&BackupRetentionPeriod=0" }, "critical", ["backup.disable_backups"]],
    ["retention 10 is not a backup change", { method: "POST", url: rds, body: "Action=ModifyDBInstance&BackupRetentionPeriod=10" }, "high", ["http.unclassified_write"]],
    [
      "DeleteAutomatedBackups=false in the URL but true in the body",
      { method: "POST", url: `${rds}?DeleteAutomatedBackups=false`, body: "Action=DeleteDBInstance&DeleteAutomatedBackups=true" },
      "critical",
      ["backup.delete_backup", "http.delete_database"],
    ],
  ]);

  it("names the snapshot from a tolerant body", () => {
    const [finding] = assessHttp({ method: "POST", url: rds, body: "&Action=DeleteDBSnapshot&DBSnapshotIdentifier=my snap" }).findings;
    expect(finding?.message).toBe("Deletes an RDS snapshot (DeleteDBSnapshot) named `my snap`");
  });
});

describe("catalog entries for backups, history and refs", () => {
  const railwayHash = { extensions: { persistedQuery: { version: 1, sha256Hash: "ab12" } }, variables: { id: "svc" } };
  table([
    ["Neon history retention 0 disables point-in-time restore", { method: "PATCH", url: "https://console.neon.tech/api/v2/projects/p1", body: { project: { history_retention_seconds: 0 } } }, "critical", ["backup.disable_backups"]],
    ["Neon history retention \"0\"", { method: "PATCH", url: "https://console.neon.tech/api/v2/projects/p1", body: { project: { history_retention_seconds: "0" } } }, "critical", ["backup.disable_backups"]],
    ["Neon history retention of a day is not a backup change", { method: "PATCH", url: "https://console.neon.tech/api/v2/projects/p1", body: { project: { history_retention_seconds: 86400 } } }, "high", ["http.unclassified_write"]],
    [
      "S3 versioning suspended",
      { method: "PUT", url: "https://prod.s3.amazonaws.com/?versioning", body: '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>' },
      "critical",
      ["backup.disable_backups"],
    ],
    ["S3 versioning suspended, path style", { method: "PUT", url: "https://s3.eu-west-1.amazonaws.com/prod?versioning", body: "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>" }, "critical", ["backup.disable_backups"]],
    ["S3 versioning enabled is not a backup change", { method: "PUT", url: "https://prod.s3.amazonaws.com/?versioning", body: "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>" }, "high", ["http.unclassified_write"]],
    [
      "S3 lifecycle expiring old versions",
      { method: "PUT", url: "https://prod.s3.amazonaws.com/?lifecycle", body: "<LifecycleConfiguration><Rule><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>" },
      "critical",
      ["backup.delete_backup"],
    ],
    [
      "S3 lifecycle expiring objects",
      { method: "PUT", url: "https://s3.amazonaws.com/prod?lifecycle", body: "<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>" },
      "critical",
      ["backup.delete_backup"],
    ],
    [
      "S3 lifecycle that only moves objects to Glacier",
      { method: "PUT", url: "https://prod.s3.amazonaws.com/?lifecycle", body: "<LifecycleConfiguration><Rule><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>" },
      "high",
      ["http.unclassified_write"],
    ],
    ["Cloud SQL backups off as the string \"false\"", { method: "PATCH", url: "https://sqladmin.googleapis.com/v1/projects/p/instances/db", body: { settings: { backupConfiguration: { enabled: "false" } } } }, "critical", ["backup.disable_backups"]],
    ["Cloud SQL PITR off as the string \"false\"", { method: "PUT", url: "https://sqladmin.googleapis.com/sql/v1beta4/projects/p/instances/db", body: { settings: { backupConfiguration: { pointInTimeRecoveryEnabled: "FALSE" } } } }, "critical", ["backup.disable_backups"]],
    ["GitHub branch deletion", { method: "DELETE", url: "https://api.github.com/repos/acme/api/git/refs/heads/main" }, "high", ["http.git_ref_delete"]],
    ["GitHub Enterprise tag deletion", { method: "DELETE", url: "https://github.acme.internal/api/v3/repos/acme/api/git/refs/tags/v1" }, "high", ["http.git_ref_delete"]],
    ["GitHub forced ref update", { method: "PATCH", url: "https://api.github.com/repos/acme/api/git/refs/heads/main", body: { sha: "abc", force: true } }, "high", ["http.git_force_update"]],
    ["GitHub fast-forward ref update is not forced", { method: "PATCH", url: "https://api.github.com/repos/acme/api/git/refs/heads/main", body: { sha: "abc" } }, "high", ["http.unclassified_write"]],
    ["Vercel deployment deletion", { method: "DELETE", url: "https://api.vercel.com/v13/deployments/dpl_1" }, "high", ["http.delete_deployment"]],
    ["Vercel project deletion with a team", { method: "DELETE", url: "https://api.vercel.com/v9/projects/web?teamId=team_1" }, "critical", ["http.delete_project"]],
    ["Railway persisted query by POST", { method: "POST", url: "https://backboard.railway.com/graphql/v2", body: railwayHash }, "high", ["http.unclassified_write"]],
    [
      "Railway persisted query by GET",
      { method: "GET", url: `https://backboard.railway.com/graphql/v2?extensions=${encodeURIComponent(JSON.stringify(railwayHash.extensions))}` },
      "high",
      ["http.unclassified_write"],
    ],
  ]);

  it("says why a persisted query is high", () => {
    const [finding] = assessHttp({ method: "GET", url: "https://backboard.railway.com/graphql/v2?extensions=%7B%7D" }).findings;
    expect(finding?.message).toMatch(/without a readable document \(such as a persisted-query hash\)/);
  });
});

describe("a GraphQL mutation sent with GET to any host", () => {
  const url = (host: string, document: string) => `https://${host}/graphql?query=${encodeURIComponent(document)}`;
  table([
    ["a mutation in ?query=", { method: "GET", url: url("example.com", 'mutation { deleteUser(id: "1") { id } }') }, "high", ["http.unclassified_write"]],
    ["a named mutation with HEAD", { method: "HEAD", url: url("api.example.com", "mutation Wipe { resetAll }") }, "high", ["http.unclassified_write"]],
    ["a mutation as the second of two documents", { method: "GET", url: `${url("example.com", "{ me { id } }")}&query=${encodeURIComponent("mutation { purge }")}` }, "high", ["http.unclassified_write"]],
    ["a query in ?query=", { method: "GET", url: url("example.com", "query { viewer { login } }") }, "low", []],
    ["a search string that is not GraphQL", { method: "GET", url: "https://api.example.com/search?query=mutation%20testing%20tools" }, "low", []],
    ["the word mutation inside a query's string", { method: "GET", url: url("example.com", 'query { search(text: "mutation { deleteUser }") { id } }') }, "low", []],
  ]);

  it("names the mutation and the host", () => {
    const [finding] = assessHttp({ method: "GET", url: url("example.com", 'mutation { deleteUser(id: "1") { id } }') }).findings;
    expect(finding?.message).toBe("Runs GraphQL mutation `deleteUser` on `example.com` through a GET request's ?query= parameter, which Countersign does not classify");
  });
});

describe("a GraphQL document POSTed to any host is a read when it only queries", () => {
  const post = (body: unknown, host = "api.example.com") => ({ method: "POST", url: `https://${host}/graphql`, body });
  table([
    ["a query", post({ query: "query { viewer { login } }" }, "api.github.com"), "low", []],
    ["the { } shorthand with variables and operationName", post({ query: "query Me($n: Int) { me { id } }", variables: { n: 1 }, operationName: "Me" }), "low", []],
    ["a batch of queries", post([{ query: "{ a }" }, { query: "{ b }" }]), "low", []],
    ["a query sent as JSON text", post('{"query": "{ me { id } }"}'), "low", []],
    ["a subscription reads a stream of results", post({ query: "subscription { orderPlaced { id } }" }), "low", []],
    ["a mutation only inside a variable's value", post({ query: "query Q($s: String) { search(text: $s) { id } }", variables: { s: "mutation { wipe }" } }), "low", []],
    ["a mutation", post({ query: 'mutation { deleteRepository(input: {repositoryId: "R"}) { clientMutationId } }' }, "api.github.com"), "high", ["http.unclassified_write"]],
    ["operationName picks the query, the mutation still counts", post({ query: "query A { me { id } } mutation B { wipe }", operationName: "A" }), "high", ["http.unclassified_write"]],
    ["a mutation in the second request of a batch", post([{ query: "{ me { id } }" }, { query: "mutation { wipe }" }]), "high", ["http.unclassified_write"]],
    ["a mutation in the URL of a POST", { method: "POST", url: "https://api.example.com/graphql?query=mutation%20%7B%20wipe%20%7D" }, "high", ["http.unclassified_write"]],
    ["a persisted-query hash", post({ extensions: { persistedQuery: { version: 1, sha256Hash: "ab12" } } }), "high", ["http.unclassified_write"]],
    ["a persisted-query hash beside a query", post({ query: "{ me { id } }", extensions: { persistedQuery: { version: 1, sha256Hash: "ab12" } } }), "high", ["http.unclassified_write"]],
    ["a stored document by id", post({ id: "q1", variables: {} }), "high", ["http.unclassified_write"]],
    ["a persisted-query hash by GET", { method: "GET", url: `https://api.example.com/graphql?extensions=${encodeURIComponent('{"persistedQuery":{"version":1,"sha256Hash":"ab12"}}')}` }, "high", ["http.unclassified_write"]],
    ["a document that does not parse", post({ query: "query { me { id }" }), "high", ["http.unclassified_write"]],
    ["only fragments, no operation", post({ query: "fragment F on User { id }" }), "high", ["http.unclassified_write"]],
    ["another key beside the query", post({ query: "{ me { id } }", purge: true }), "high", ["http.unclassified_write"]],
    ["SQL in a query field", post({ query: "DROP TABLE customers" }, "api.supabase.com"), "high", ["http.unclassified_write"]],
    ["a search API's query string", post({ query: "shoes" }), "high", ["http.unclassified_write"]],
    ["PUT is no GraphQL transport", { method: "PUT", url: "https://api.example.com/graphql", body: { query: "{ me { id } }" } }, "high", ["http.unclassified_write"]],
  ]);

  it("names the mutation and the host", () => {
    const [finding] = assessHttp(post({ query: "mutation { wipe }" })).findings;
    expect(finding?.message).toBe("Runs GraphQL mutation `wipe` on `api.example.com`, which Countersign does not classify");
  });
});

describe("a cloud metadata address is high whatever the method and however it is written", () => {
  const get = (url: string) => ({ method: "GET", url });
  table([
    ["AWS, GCP, Azure, Oracle", get("http://169.254.169.254/latest/meta-data/iam/security-credentials/"), "high", ["http.cloud_metadata"]],
    ["Azure's path", get("http://169.254.169.254/metadata/instance?api-version=2021-02-01"), "high", ["http.cloud_metadata"]],
    ["decimal", get("http://2852039166/latest/"), "high", ["http.cloud_metadata"]],
    ["hexadecimal", get("http://0xa9fea9fe/"), "high", ["http.cloud_metadata"]],
    ["octal", get("http://0251.0376.0251.0376/"), "high", ["http.cloud_metadata"]],
    ["a shortened dotted form", get("http://169.254.43518/"), "high", ["http.cloud_metadata"]],
    ["credentials in the URL", get("http://user:pass@169.254.169.254/"), "high", ["http.cloud_metadata"]],
    ["AWS over IPv6", get("http://[fd00:ec2::254]/latest/meta-data/"), "high", ["http.cloud_metadata"]],
    ["IPv4-mapped IPv6", get("http://[::ffff:169.254.169.254]/"), "high", ["http.cloud_metadata"]],
    ["NAT64", get("http://[64:ff9b::a9fe:a9fe]/"), "high", ["http.cloud_metadata"]],
    ["ECS task credentials", get("http://169.254.170.2/v2/credentials/abc"), "high", ["http.cloud_metadata"]],
    ["Google by name", get("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"), "high", ["http.cloud_metadata"]],
    ["Google by name, upper case with a trailing dot", get("http://METADATA.GOOGLE.INTERNAL./"), "high", ["http.cloud_metadata"]],
    ["metadata.goog", get("http://metadata.goog/"), "high", ["http.cloud_metadata"]],
    ["Alibaba", get("http://100.100.100.200/latest/meta-data/"), "high", ["http.cloud_metadata"]],
    ["Oracle", get("http://192.0.0.192/"), "high", ["http.cloud_metadata"]],
    ["any link-local address", get("http://169.254.1.1/"), "high", ["http.cloud_metadata"]],
    ["a wildcard DNS name spelling the address", get("http://169-254-169-254.sslip.io/"), "high", ["http.cloud_metadata"]],
    ["a wildcard DNS name in hex", get("http://a9fea9fe.nip.io/"), "high", ["http.cloud_metadata"]],
    ["PUT for an IMDSv2 token", { method: "PUT", url: "http://169.254.169.254/latest/api/token" }, "high", ["http.cloud_metadata", "http.unclassified_write"]],
    ["a private address", get("http://10.0.0.1/"), "low", []],
    ["a host merely named metadata", get("https://metadata.example.com/"), "low", []],
    ["an address close to it", get("http://169.255.169.254/"), "low", []],
  ]);

  it("names the service", () => {
    const [finding] = assessHttp(get("http://0xa9fea9fe/")).findings;
    expect(finding?.message).toBe(
      "Sends a GET request to `169.254.169.254` (the instance metadata service of AWS, Google Cloud, Azure, Oracle Cloud, DigitalOcean and OpenStack); a metadata service hands out the machine's cloud credentials and settings",
    );
  });
});

describe("a host made to look like a provider's is critical", () => {
  const get = (url: string) => ({ method: "GET", url });
  table([
    ["a Cyrillic а in api.github.com", get("https://\u0430pi.github.com/repos/acme/api"), "critical", ["http.lookalike_host"]],
    ["the same in punycode", get("https://xn--pi-6kc.github.com/"), "critical", ["http.lookalike_host"]],
    ["Cyrillic letters among Latin ones", get("https://\u0455u\u0440aba\u0455e.com/"), "critical", ["http.lookalike_host"]],
    ["an accented letter that reads as plain", get("https://api.g\u00edthub.com/"), "critical", ["http.lookalike_host"]],
    ["a Greek iota among Latin letters", get("https://ap\u03b9.vercel.com/"), "critical", ["http.lookalike_host"]],
    ["a DELETE to a look-alike", { method: "DELETE", url: "https://api.her\u043eku.com/apps/prod" }, "critical", ["http.lookalike_host", "http.unclassified_write"]],
    ["an international name of its own", get("https://m\u00fcnchen.de/"), "low", []],
    ["Japanese mixes Han, kana and Latin", get("https://\u4f8b\u3048test.jp/"), "low", []],
    ["a Cyrillic name that imitates no provider", get("https://\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444/"), "low", []],
    ["the real host", get("https://api.github.com/"), "low", []],
  ]);

  it("shows the punycode and why", () => {
    const [finding] = assessHttp(get("https://\u0430pi.github.com/")).findings;
    expect(finding?.message).toBe("Sends the request to `xn--pi-6kc.github.com`, displayed as `\\u0430pi.github.com`, which mixes Cyrillic and Latin letters in one name, as look-alike hosts do");
  });
});
