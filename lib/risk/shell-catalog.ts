// Cloud and platform CLIs: which subcommands delete databases, volumes, services or projects
// (`shell.cloud_delete`), which delete or disable backups (`backup.*`), which read secrets
// (`shell.read_secret`), and which only read.
// Subcommands are matched on the CLI's positional words, in order, so global options placed
// between them (`aws rds --region x delete-db-instance`) do not hide a match.
import type { RiskLevel } from "./levels";

export interface CliArgs {
  /** Positional words, option values removed where the option is known to take one. */
  positionals: string[];
  /** Every argument as given. */
  raw: string[];
}

export interface CliRule {
  /** Positional words that must appear in this order, e.g. `["rds", "delete-db-instance"]`. */
  words: string[];
  id: string;
  level: RiskLevel;
  /** What the command does, e.g. "Deletes an RDS DB instance". */
  what: string;
  /** Extra condition on the arguments. */
  when?: (args: CliArgs) => boolean;
}

export interface CliSpec {
  programs: string[];
  /** Options that take a separate value (`--region us-east-1`), so the value is not a positional. */
  valueOptions: ReadonlySet<string>;
  /** Positional words with no meaning for matching (release tracks such as `beta`). */
  ignoreWords?: ReadonlySet<string>;
  rules: CliRule[];
  /** True when the positionals describe a read-only command. */
  isRead(positionals: string[]): boolean;
}

/** The value of `--name value` or `--name=value` among the raw arguments. */
export function optionValue(raw: string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i++) {
    const arg = raw[i]!;
    if (arg === name) return raw[i + 1];
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

const has = (raw: string[], ...flags: string[]) => raw.some((arg) => flags.includes(arg) || flags.some((f) => f.startsWith("--") && arg.startsWith(`${f}=`)));

/** The value of `--name value` or `--name=value` is a number equal to zero (`0`, `00`). */
function zeroOption(raw: string[], name: string): boolean {
  const value = optionValue(raw, name)?.trim();
  return value !== undefined && value !== "" && Number(value) === 0;
}

/** `--dry-run` (`=client`, `=server`): Helm renders and validates but changes nothing. */
function helmDryRun(args: CliArgs): boolean {
  return has(args.raw, "--dry-run") && optionValue(args.raw, "--dry-run") !== "none";
}

const DELETE_DB = "shell.cloud_delete";
/** Prints a stored secret (a password, key or token) to the agent. */
const READ_SECRET = "shell.read_secret";
/** Erases a database's data but keeps the database itself (a policy may treat it apart from deletion). */
const RESET_DB = "shell.database_reset";
const CRITICAL: RiskLevel = "critical";

const AWS_READ = /^(describe|list|get|head|wait)-/;

export const CLI_SPECS: readonly CliSpec[] = [
  {
    // AWS CLI v2 command reference: https://awscli.amazonaws.com/v2/documentation/api/latest/reference/index.html
    programs: ["aws"],
    valueOptions: new Set(["--region", "--profile", "--output", "--endpoint-url", "--query", "--color", "--ca-bundle", "--cli-read-timeout", "--cli-connect-timeout", "--cli-binary-format", "--cli-input-json", "--cli-input-yaml", "--starting-token", "--page-size", "--max-items"]),
    rules: [
      { words: ["rds", "delete-db-instance"], id: DELETE_DB, level: CRITICAL, what: "Deletes an RDS DB instance" },
      { words: ["rds", "delete-db-cluster"], id: DELETE_DB, level: CRITICAL, what: "Deletes an RDS DB cluster" },
      { words: ["rds", "delete-global-cluster"], id: DELETE_DB, level: CRITICAL, what: "Deletes an RDS global cluster" },
      // DeleteDBInstance/DeleteDBCluster remove automated backups unless --no-delete-automated-backups.
      {
        words: ["rds", "delete-db-instance"],
        id: "backup.delete_backup",
        level: CRITICAL,
        what: "Also deletes the instance's automated backups (add --no-delete-automated-backups to keep them)",
        when: (a) => !has(a.raw, "--no-delete-automated-backups"),
      },
      {
        words: ["rds", "delete-db-cluster"],
        id: "backup.delete_backup",
        level: CRITICAL,
        what: "Also deletes the cluster's automated backups (add --no-delete-automated-backups to keep them)",
        when: (a) => !has(a.raw, "--no-delete-automated-backups"),
      },
      { words: ["rds", "delete-db-snapshot"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes an RDS snapshot" },
      { words: ["rds", "delete-db-cluster-snapshot"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes an RDS cluster snapshot" },
      { words: ["rds", "delete-db-instance-automated-backup"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes RDS automated backups" },
      { words: ["rds", "delete-db-cluster-automated-backup"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes RDS automated backups" },
      {
        words: ["rds", "modify-db-instance"],
        id: "backup.disable_backups",
        level: CRITICAL,
        what: "Turns off automated backups and point-in-time recovery (backup retention 0)",
        when: (a) => zeroOption(a.raw, "--backup-retention-period"),
      },
      {
        words: ["rds", "modify-db-cluster"],
        id: "backup.disable_backups",
        level: CRITICAL,
        what: "Turns off automated backups and point-in-time recovery (backup retention 0)",
        when: (a) => zeroOption(a.raw, "--backup-retention-period"),
      },
      { words: ["docdb", "delete-db-cluster"], id: DELETE_DB, level: CRITICAL, what: "Deletes a DocumentDB cluster" },
      { words: ["neptune", "delete-db-cluster"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Neptune cluster" },
      { words: ["ec2", "delete-snapshot"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes an EBS snapshot" },
      { words: ["ec2", "delete-volume"], id: DELETE_DB, level: CRITICAL, what: "Deletes an EBS volume" },
      { words: ["ec2", "terminate-instances"], id: DELETE_DB, level: CRITICAL, what: "Terminates EC2 instances" },
      { words: ["backup", "delete-recovery-point"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes an AWS Backup recovery point" },
      { words: ["backup", "delete-backup-vault"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes an AWS Backup vault" },
      { words: ["backup", "delete-backup-plan"], id: "backup.disable_backups", level: CRITICAL, what: "Deletes an AWS Backup plan, stopping its backups" },
      { words: ["backup", "delete-backup-selection"], id: "backup.disable_backups", level: CRITICAL, what: "Removes resources from an AWS Backup plan, so they are no longer backed up" },
      // Data Lifecycle Manager policies take the scheduled EBS snapshots.
      { words: ["dlm", "delete-lifecycle-policy"], id: "backup.disable_backups", level: CRITICAL, what: "Deletes an EBS snapshot lifecycle policy, stopping its scheduled snapshots" },
      {
        words: ["dynamodb", "update-continuous-backups"],
        id: "backup.disable_backups",
        level: CRITICAL,
        what: "Turns off DynamoDB point-in-time recovery",
        when: (a) => /PointInTimeRecoveryEnabled\s*=\s*false|"PointInTimeRecoveryEnabled"\s*:\s*false/i.test(a.raw.join(" ")),
      },
      {
        words: ["s3api", "put-bucket-versioning"],
        id: "backup.disable_backups",
        level: CRITICAL,
        what: "Suspends S3 bucket versioning, so overwritten and deleted objects can no longer be recovered",
        when: (a) => !/Status\s*=\s*Enabled\b|"Status"\s*:\s*"Enabled"/.test(a.raw.join(" ")),
      },
      // Reads that return secrets: get-* and list-* are otherwise reads.
      { words: ["secretsmanager", "get-secret-value"], id: READ_SECRET, level: "high", what: "Prints a secret's value from AWS Secrets Manager" },
      { words: ["secretsmanager", "batch-get-secret-value"], id: READ_SECRET, level: "high", what: "Prints secret values from AWS Secrets Manager" },
      ...["get-parameter", "get-parameters", "get-parameters-by-path", "get-parameter-history"].map(
        (command): CliRule => ({
          words: ["ssm", command],
          id: READ_SECRET,
          level: "high",
          what: "Prints decrypted SecureString parameters from AWS Systems Manager, as --with-decryption asks",
          when: (a) => has(a.raw, "--with-decryption"),
        }),
      ),
      { words: ["kms", "decrypt"], id: READ_SECRET, level: "high", what: "Decrypts data with an AWS KMS key" },
      { words: ["s3", "rb"], id: DELETE_DB, level: CRITICAL, what: "Deletes an S3 bucket" },
      { words: ["s3", "rm"], id: DELETE_DB, level: CRITICAL, what: "Deletes every object under an S3 prefix", when: (a) => has(a.raw, "--recursive") },
      { words: ["s3api", "delete-bucket"], id: DELETE_DB, level: CRITICAL, what: "Deletes an S3 bucket" },
      { words: ["dynamodb", "delete-table"], id: DELETE_DB, level: CRITICAL, what: "Deletes a DynamoDB table" },
      { words: ["dynamodb", "delete-backup"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes a DynamoDB backup" },
      { words: ["redshift", "delete-cluster"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Redshift cluster" },
      { words: ["redshift", "delete-cluster-snapshot"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes a Redshift snapshot" },
      { words: ["elasticache", "delete-replication-group"], id: DELETE_DB, level: CRITICAL, what: "Deletes an ElastiCache replication group" },
      { words: ["elasticache", "delete-cache-cluster"], id: DELETE_DB, level: CRITICAL, what: "Deletes an ElastiCache cluster" },
      { words: ["elasticache", "delete-snapshot"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes an ElastiCache snapshot" },
      { words: ["lightsail", "delete-relational-database"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Lightsail database" },
      { words: ["lightsail", "delete-relational-database-snapshot"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes a Lightsail database snapshot" },
    ],
    isRead: (p) => (p.length >= 2 && AWS_READ.test(p[1]!)) || (p[0] === "s3" && p[1] === "ls") || p[0] === "--version",
  },
  {
    // gcloud reference: https://cloud.google.com/sdk/gcloud/reference
    programs: ["gcloud"],
    valueOptions: new Set(["--project", "--account", "--configuration", "--format", "--verbosity", "--impersonate-service-account", "--billing-project", "--flags-file", "--filter", "--limit", "--page-size", "--sort-by", "--zone", "--region", "--instance", "--database"]),
    ignoreWords: new Set(["alpha", "beta"]),
    rules: [
      { words: ["sql", "instances", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Cloud SQL instance" },
      { words: ["sql", "databases", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Cloud SQL database" },
      { words: ["sql", "backups", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes a Cloud SQL backup" },
      {
        words: ["sql", "instances", "patch"],
        id: "backup.disable_backups",
        level: CRITICAL,
        what: "Turns off Cloud SQL automated backups or point-in-time recovery",
        when: (a) => has(a.raw, "--no-backup", "--no-enable-point-in-time-recovery", "--no-enable-bin-log"),
      },
      { words: ["compute", "disks", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes Compute Engine disks" },
      { words: ["compute", "instances", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes Compute Engine instances" },
      { words: ["compute", "snapshots", "delete"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes Compute Engine snapshots" },
      // Snapshot schedules are resource policies.
      { words: ["compute", "resource-policies", "delete"], id: "backup.disable_backups", level: CRITICAL, what: "Deletes a Compute Engine resource policy, such as a snapshot schedule" },
      { words: ["spanner", "backups", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes a Spanner backup" },
      { words: ["firestore", "backups", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes a Firestore backup" },
      { words: ["alloydb", "backups", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes an AlloyDB backup" },
      { words: ["bigtable", "backups", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes a Bigtable backup" },
      { words: ["container", "backup-restore", "backups", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes a Backup for GKE backup" },
      { words: ["secrets", "versions", "access"], id: READ_SECRET, level: "high", what: "Prints a secret's value from Secret Manager" },
      { words: ["container", "clusters", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a GKE cluster" },
      { words: ["projects", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Google Cloud project" },
      { words: ["storage", "buckets", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Cloud Storage bucket" },
      { words: ["storage", "rm"], id: DELETE_DB, level: CRITICAL, what: "Deletes Cloud Storage objects recursively", when: (a) => has(a.raw, "-r", "--recursive") },
    ],
    isRead: (p) => {
      const head = p.slice(0, 4);
      return head.some((w) => ["list", "describe", "get-iam-policy", "get-value", "print-access-token", "version", "info"].includes(w)) && !head.some((w) => /^(delete|patch|create|update|set|remove|add|import|export|restore|reset|restart|stop|start|deploy)/.test(w));
    },
  },
  {
    // Heroku CLI commands: https://devcenter.heroku.com/articles/heroku-cli-commands
    programs: ["heroku"],
    valueOptions: new Set(["-a", "--app", "-r", "--remote", "--confirm"]),
    rules: [
      { words: ["apps:destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Heroku app with its add-ons" },
      { words: ["destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Heroku app with its add-ons" },
      { words: ["addons:destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Heroku add-on (add-ons include databases)" },
      { words: ["addons:remove"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Heroku add-on (add-ons include databases)" },
      { words: ["addons:rm"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Heroku add-on (add-ons include databases)" },
      { words: ["pg:reset"], id: RESET_DB, level: CRITICAL, what: "Erases every table of a Heroku Postgres database" },
      { words: ["pg:backups:delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes a Heroku Postgres backup" },
      { words: ["pg:backups:unschedule"], id: "backup.disable_backups", level: CRITICAL, what: "Stops scheduled Heroku Postgres backups" },
    ],
    isRead: (p) => ["apps", "apps:info", "info", "ps", "logs", "releases", "pg:info", "pg:backups", "addons", "addons:info", "config", "config:get", "domains", "status", "whoami", "auth:whoami", "regions", "--version", "version"].includes(p[0] ?? ""),
  },
  {
    // Railway CLI: https://docs.railway.com/reference/cli-api
    programs: ["railway"],
    valueOptions: new Set(["-s", "--service", "-e", "--environment", "-p", "--project"]),
    rules: [
      { words: ["down"], id: DELETE_DB, level: CRITICAL, what: "Removes the most recent Railway deployment" },
      { words: ["delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Railway project" },
      { words: ["volume", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Railway volume and its data" },
      { words: ["environment", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Railway environment" },
      { words: ["service", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Railway service" },
    ],
    isRead: (p) => ["status", "logs", "list", "whoami", "version", "--version", "help", "domain"].includes(p[0] ?? "") || (p[0] === "variables" && p.length === 1) || (p[0] === "volume" && p[1] === "list"),
  },
  {
    // Supabase CLI reference: https://supabase.com/docs/reference/cli
    programs: ["supabase"],
    valueOptions: new Set(["--project-ref", "--workdir", "-o", "--output", "--db-url"]),
    rules: [
      { words: ["projects", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Supabase project and its database" },
      { words: ["branches", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Supabase database branch" },
      {
        words: ["db", "reset"],
        id: RESET_DB,
        level: CRITICAL,
        what: "Resets a remote Supabase database, erasing its data",
        when: (a) => has(a.raw, "--linked", "--db-url"),
      },
      // Without --linked or --db-url it resets the local development database.
      {
        words: ["db", "reset"],
        id: RESET_DB,
        level: "high",
        what: "Resets the local Supabase database, erasing its data and re-running migrations and seeds",
        when: (a) => !has(a.raw, "--linked", "--db-url"),
      },
    ],
    isRead: (p) => (p[1] === "list" || p[0] === "status" || p[0] === "--version") && p[0] !== undefined,
  },
  {
    // Neon CLI: https://neon.com/docs/reference/neon-cli
    programs: ["neonctl", "neon"],
    valueOptions: new Set(["--project-id", "--api-key", "-o", "--output", "--org-id", "--context-file"]),
    rules: [
      { words: ["projects", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Neon project with all its branches and databases" },
      { words: ["branches", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Neon branch and its data" },
      { words: ["databases", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Neon database" },
    ],
    isRead: (p) => ["list", "get"].includes(p[1] ?? "") || p[0] === "me",
  },
  {
    // Vercel CLI: https://vercel.com/docs/cli/remove and https://vercel.com/docs/cli/project
    programs: ["vercel"],
    valueOptions: new Set(["--scope", "-S", "--token", "-t", "--cwd"]),
    rules: [
      { words: ["remove"], id: DELETE_DB, level: CRITICAL, what: "Removes Vercel deployments or projects" },
      { words: ["rm"], id: DELETE_DB, level: CRITICAL, what: "Removes Vercel deployments or projects" },
      { words: ["project", "rm"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Vercel project" },
      { words: ["project", "remove"], id: DELETE_DB, level: CRITICAL, what: "Deletes a Vercel project" },
    ],
    isRead: (p) => ["ls", "list", "inspect", "whoami", "logs", "--version"].includes(p[0] ?? "") || (p[0] === "project" && (p[1] === "ls" || p[1] === "list")),
  },
  {
    // flyctl: https://fly.io/docs/flyctl/
    programs: ["fly", "flyctl"],
    valueOptions: new Set(["-a", "--app", "-c", "--config", "-r", "--region", "-t", "--access-token"]),
    rules: [
      { words: ["apps", "destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Fly app with its volumes" },
      { words: ["destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Fly app with its volumes" },
      { words: ["volumes", "destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Fly volume and its data" },
      { words: ["volumes", "delete"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Fly volume and its data" },
      { words: ["volume", "destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Fly volume and its data" },
      // https://fly.io/docs/flyctl/postgres-destroy/ (`pg` is its alias)
      { words: ["postgres", "destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Fly Postgres cluster with its volumes and data" },
      { words: ["pg", "destroy"], id: DELETE_DB, level: CRITICAL, what: "Destroys a Fly Postgres cluster with its volumes and data" },
    ],
    isRead: (p) => ["status", "logs", "version", "info"].includes(p[0] ?? "") || ["list", "show", "status"].includes(p[1] ?? ""),
  },
  {
    // GitHub CLI manual: https://cli.github.com/manual/gh_repo_delete
    programs: ["gh"],
    valueOptions: new Set(["-R", "--repo", "--hostname", "-q", "--jq", "-t", "--template"]),
    rules: [
      { words: ["repo", "delete"], id: "shell.repo_delete", level: CRITICAL, what: "Deletes a GitHub repository with its issues, pull requests, releases and wiki" },
      // https://cli.github.com/manual/gh_release_delete
      { words: ["release", "delete"], id: "shell.repo_delete", level: "high", what: "Deletes a GitHub release and its assets" },
    ],
    isRead: (p) => ["list", "view", "status", "diff", "checks"].includes(p[1] ?? "") || ["status", "--version", "version"].includes(p[0] ?? "") || (p[0] === "auth" && p[1] === "status"),
  },
  {
    // doctl: https://docs.digitalocean.com/reference/doctl/
    programs: ["doctl"],
    valueOptions: new Set(["-o", "--output", "--context", "-t", "--access-token", "--format"]),
    rules: [
      { words: ["databases", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a DigitalOcean database cluster" },
      { words: ["compute", "volume", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes a DigitalOcean volume" },
      { words: ["compute", "droplet", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes DigitalOcean droplets" },
      { words: ["compute", "snapshot", "delete"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes DigitalOcean snapshots" },
    ],
    isRead: (p) => p.slice(0, 4).some((w) => ["list", "get", "ls"].includes(w)),
  },
  {
    // Azure CLI: https://learn.microsoft.com/cli/azure/reference-index
    programs: ["az"],
    valueOptions: new Set(["-g", "--resource-group", "-n", "--name", "--subscription", "-o", "--output", "--query", "--server", "-s", "--vault-name", "-v", "--container-name", "-c", "--item-name", "-i", "--delete-backup-data", "--location", "-l", "--database", "-d", "--backup-name"]),
    rules: [
      { words: ["group", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes an Azure resource group and everything in it" },
      // Words match in order, not adjacent: `sql db ltr-backup delete` deletes a backup, not the database.
      { words: ["sql", "db", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes an Azure SQL database", when: (a) => !a.positionals.includes("ltr-backup") },
      { words: ["sql", "server", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes an Azure SQL server" },
      { words: ["postgres", "flexible-server", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes an Azure PostgreSQL server", when: (a) => !a.positionals.includes("backup") },
      { words: ["postgres", "server", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes an Azure PostgreSQL server" },
      { words: ["disk", "delete"], id: DELETE_DB, level: CRITICAL, what: "Deletes an Azure managed disk" },
      { words: ["snapshot", "delete"], id: "backup.delete_snapshot", level: CRITICAL, what: "Deletes an Azure snapshot" },
      { words: ["backup", "protection", "disable"], id: "backup.disable_backups", level: CRITICAL, what: "Stops Azure Backup protection" },
      {
        words: ["backup", "protection", "disable"],
        id: "backup.delete_backup",
        level: CRITICAL,
        what: "Deletes the recovery points Azure Backup kept, as --delete-backup-data asks",
        when: (a) => has(a.raw, "--delete-backup-data") && !/^(false|no|0)$/i.test(optionValue(a.raw, "--delete-backup-data") ?? ""),
      },
      { words: ["backup", "vault", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes an Azure Backup vault" },
      { words: ["backup", "policy", "delete"], id: "backup.disable_backups", level: CRITICAL, what: "Deletes an Azure Backup policy" },
      { words: ["sql", "db", "ltr-backup", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes an Azure SQL long-term retention backup" },
      { words: ["postgres", "flexible-server", "backup", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes an Azure PostgreSQL backup" },
      { words: ["keyvault", "secret", "show"], id: READ_SECRET, level: "high", what: "Prints a secret's value from Azure Key Vault" },
      { words: ["keyvault", "secret", "download"], id: READ_SECRET, level: "high", what: "Writes a secret's value from Azure Key Vault to a file" },
    ],
    isRead: (p) => p.slice(0, 4).some((w) => ["list", "show"].includes(w)) && !p.slice(0, 4).includes("delete"),
  },
  {
    // Helm: https://helm.sh/docs/helm/helm/ — a dry run only renders and prints.
    programs: ["helm"],
    valueOptions: new Set(["-n", "--namespace", "--kube-context", "--kubeconfig", "-f", "--values", "--set", "--set-string", "--set-file", "--set-json", "--version", "-o", "--output", "--repo", "--timeout", "--revision", "--max", "--description", "--post-renderer", "--registry-config", "--repository-config", "--repository-cache", "--kube-apiserver", "--kube-token", "--kube-as-user", "--cascade"]),
    rules: [
      ...["uninstall", "delete", "del", "un"].map(
        (command): CliRule => ({
          words: [command],
          id: "shell.helm_uninstall",
          level: "high",
          what: "Uninstalls a Helm release, deleting the Kubernetes objects it created",
          when: (a) => !helmDryRun(a),
        }),
      ),
      ...Object.entries({
        install: "Installs a Helm release into the cluster",
        upgrade: "Upgrades a Helm release, changing what runs in the cluster",
        rollback: "Rolls a Helm release back to an earlier revision, changing what runs in the cluster",
      }).map(([command, what]): CliRule => ({ words: [command], id: "shell.helm_release_change", level: "high", what, when: (a) => !helmDryRun(a) })),
    ],
    // install, upgrade, uninstall and rollback get here only as dry runs: their rules match otherwise.
    isRead: (p) =>
      ["list", "ls", "status", "get", "history", "hist", "show", "inspect", "template", "search", "version", "env", "lint", "verify", "install", "upgrade", "uninstall", "delete", "del", "un", "rollback"].includes(p[0] ?? "") ||
      (["repo", "dependency", "dep", "plugin"].includes(p[0] ?? "") && ["list", "ls"].includes(p[1] ?? "")),
  },
  {
    // Velero: https://velero.io/docs/main/ — backups of Kubernetes objects and volumes.
    programs: ["velero"],
    valueOptions: new Set(["-n", "--namespace", "--kubecontext", "--kubeconfig", "-o", "--output", "-l", "--selector"]),
    rules: [
      { words: ["backup", "delete"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes Velero backups with their volume snapshots" },
      { words: ["delete", "backup"], id: "backup.delete_backup", level: CRITICAL, what: "Deletes Velero backups with their volume snapshots" },
      { words: ["schedule", "delete"], id: "backup.disable_backups", level: CRITICAL, what: "Deletes a Velero backup schedule, stopping its backups" },
      { words: ["delete", "schedule"], id: "backup.disable_backups", level: CRITICAL, what: "Deletes a Velero backup schedule, stopping its backups" },
      { words: ["schedule", "pause"], id: "backup.disable_backups", level: CRITICAL, what: "Pauses a Velero backup schedule" },
      { words: ["backup-location", "delete"], id: "backup.disable_backups", level: CRITICAL, what: "Deletes a Velero backup storage location, so backups stop and its backups leave the cluster" },
      { words: ["snapshot-location", "delete"], id: "backup.disable_backups", level: CRITICAL, what: "Deletes a Velero volume snapshot location" },
    ],
    isRead: (p) => ["get", "describe", "logs"].includes(p[0] ?? "") || ["get", "describe", "logs"].includes(p[1] ?? "") || ["version", "--version"].includes(p[0] ?? ""),
  },
];

/** Positionals of a CLI invocation: options and known option values removed. */
export function cliArgs(spec: CliSpec, raw: string[]): CliArgs {
  const positionals: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const arg = raw[i]!;
    if (arg === "--") {
      positionals.push(...raw.slice(i + 1));
      break;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      if (!arg.includes("=") && spec.valueOptions.has(arg)) i++;
      continue;
    }
    if (spec.ignoreWords?.has(arg)) continue;
    positionals.push(arg);
  }
  return { positionals, raw };
}

/**
 * Whether a rule's words match: a one-word rule names the command itself (the first positional);
 * longer rules match when their words appear in order, so stray option values cannot hide them.
 */
export function ruleMatches(rule: CliRule, positionals: string[]): boolean {
  if (rule.words.length === 1) return positionals[0] === rule.words[0];
  return containsInOrder(positionals, rule.words);
}

/** True when `words` appear in `positionals` in this order, not necessarily adjacent. */
export function containsInOrder(positionals: string[], words: string[]): boolean {
  let next = 0;
  for (const positional of positionals) {
    if (positional === words[next]) next++;
    if (next === words.length) return true;
  }
  return false;
}
