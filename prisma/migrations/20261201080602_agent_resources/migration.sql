-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "resources" TEXT[] DEFAULT ARRAY['*']::TEXT[];
