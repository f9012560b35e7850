-- AlterTable
ALTER TABLE "resources" ADD COLUMN     "config" JSONB;

-- AlterTable
ALTER TABLE "environments" ADD COLUMN     "hosts" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "resource_patterns" TEXT[] DEFAULT ARRAY[]::TEXT[];
