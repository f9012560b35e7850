-- CreateTable
CREATE TABLE "slack_messages" (
    "request_id" UUID NOT NULL,
    "channel" TEXT NOT NULL,
    "ts" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slack_messages_pkey" PRIMARY KEY ("request_id")
);
