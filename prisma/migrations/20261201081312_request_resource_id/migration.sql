-- AlterTable
ALTER TABLE "requests" ADD COLUMN     "resource_id" UUID;
