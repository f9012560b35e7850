-- AlterEnum
ALTER TYPE "RequestStatus" ADD VALUE 'cooling_down';

-- AlterTable
ALTER TABLE "requests" ADD COLUMN     "cool_down_seconds" INTEGER,
ADD COLUMN     "cool_down_until" TIMESTAMPTZ(3);
