-- AlterTable
ALTER TABLE "policy_versions" ADD COLUMN     "measurement" JSONB;
