-- DropIndex
DROP INDEX "requests_status_expires_at_idx";

-- CreateIndex
CREATE INDEX "requests_status_expires_at_id_idx" ON "requests"("status", "expires_at", "id");

-- CreateIndex
CREATE INDEX "requests_status_created_at_id_idx" ON "requests"("status", "created_at", "id");

-- CreateIndex
CREATE INDEX "requests_created_at_id_idx" ON "requests"("created_at", "id");
