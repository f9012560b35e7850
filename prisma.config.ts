// Prisma CLI configuration. Migrations are applied by Countersign itself at start-up
// (lib/db/migrate.ts); `prisma migrate deploy` reads the same folder on a connected host.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/countersign" },
});
