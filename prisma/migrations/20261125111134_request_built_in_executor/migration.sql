-- AlterTable
ALTER TABLE "requests" ADD COLUMN     "built_in_executor" BOOLEAN NOT NULL DEFAULT false;
