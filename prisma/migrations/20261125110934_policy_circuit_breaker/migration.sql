-- AlterTable
ALTER TABLE "policy_versions" ADD COLUMN     "circuit_breaker" JSONB;
