// The providers whose APIs the HTTP catalog knows, by the name an admin gives a resource's
// `--catalog`, each with the canonical host its catalog entries match. A self-hosted or proxied
// endpoint (or a local stand-in in tests) registered with a catalog is judged as that provider.
export const HTTP_PROVIDER_CATALOGS: Readonly<Record<string, { host: string; provider: string }>> = Object.freeze({
  railway: { host: "backboard.railway.com", provider: "Railway" },
  github: { host: "api.github.com", provider: "GitHub" },
  "aws-rds": { host: "rds.us-east-1.amazonaws.com", provider: "AWS RDS" },
  "aws-ec2": { host: "ec2.us-east-1.amazonaws.com", provider: "AWS EC2" },
  "aws-backup": { host: "backup.us-east-1.amazonaws.com", provider: "AWS Backup" },
  "aws-s3": { host: "s3.us-east-1.amazonaws.com", provider: "AWS S3" },
  "gcp-sql": { host: "sqladmin.googleapis.com", provider: "Google Cloud SQL" },
  "gcp-compute": { host: "compute.googleapis.com", provider: "Google Compute Engine" },
  heroku: { host: "api.heroku.com", provider: "Heroku" },
  neon: { host: "console.neon.tech", provider: "Neon" },
  supabase: { host: "api.supabase.com", provider: "Supabase" },
  vercel: { host: "api.vercel.com", provider: "Vercel" },
  kubernetes: { host: "kubernetes.default.svc", provider: "Kubernetes" },
});

/** The URL as the named catalog sees it: the same path and query on the provider's own host. */
export function asProviderUrl(url: string, catalog: string | null): string {
  const entry = catalog ? HTTP_PROVIDER_CATALOGS[catalog] : undefined;
  if (!entry) return url;
  const parsed = new URL(url);
  return `https://${entry.host}${parsed.pathname}${parsed.search}`;
}
