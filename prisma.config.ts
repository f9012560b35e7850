// Prisma CLI configuration. Migrations are applied by Countersign itself at start-up
// (lib/db/migrate.ts); `prisma migrate deploy` reads the same folder on a connected host.
// The one file besides lib/env.ts that reads process.env: the Prisma CLI loads it by itself,
// outside Countersign, and only needs a URL when someone runs it against a connected host.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/countersign" },
});
