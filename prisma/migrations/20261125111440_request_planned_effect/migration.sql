-- AlterTable
ALTER TABLE "requests" ADD COLUMN     "planned_effect" JSONB;
