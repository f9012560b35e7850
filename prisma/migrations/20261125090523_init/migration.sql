-- CreateEnum
CREATE TYPE "Role" AS ENUM ('viewer', 'approver', 'admin');

-- CreateEnum
CREATE TYPE "Tier" AS ENUM ('production', 'other');

-- CreateEnum
CREATE TYPE "RequestStatus" AS ENUM ('pending', 'approved', 'denied', 'expired', 'cancelled', 'revoked', 'executed', 'failed');

-- CreateEnum
CREATE TYPE "RiskLevel" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('approve', 'deny');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "password_hash" TEXT,
    "disabled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "setup_tokens" (
    "id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "setup_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "owner_id" UUID,
    "environments" TEXT[],
    "scopes" TEXT[],
    "disabled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_keys" (
    "id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "lookup_id" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "environments" (
    "name" TEXT NOT NULL,
    "tier" "Tier" NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environments_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "policy_versions" (
    "version" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "author_id" UUID,
    "note" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "policy_versions_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "requests" (
    "id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "key_id" UUID,
    "status" "RequestStatus" NOT NULL,
    "environment" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "operation" JSONB NOT NULL,
    "operation_digest" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '',
    "context" JSONB,
    "diff" JSONB,
    "risk_level" "RiskLevel" NOT NULL,
    "findings" JSONB NOT NULL,
    "targets" TEXT[],
    "policy_version" INTEGER,
    "policy_rule_id" TEXT,
    "required_approvals" INTEGER NOT NULL,
    "required_role" "Role" NOT NULL DEFAULT 'approver',
    "reason" TEXT,
    "idempotency_key" TEXT,
    "request_digest" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3),
    "outcome_detail" TEXT,
    "outcome_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reviews" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "reviewer_id" UUID NOT NULL,
    "decision" "ReviewDecision" NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "grants" (
    "jti" TEXT NOT NULL,
    "request_id" UUID NOT NULL,
    "kid" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "redeemed_at" TIMESTAMPTZ(3),
    "redeemed_by_key_id" UUID,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "grants_pkey" PRIMARY KEY ("jti")
);

-- CreateTable
CREATE TABLE "signing_keys" (
    "kid" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "private_key_enc" TEXT NOT NULL,
    "activated_at" TIMESTAMPTZ(3),
    "retired_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("kid")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "type" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "subject_type" TEXT,
    "subject_id" TEXT,
    "data" JSONB NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "auth_failures" (
    "source" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "last_at" TIMESTAMPTZ(3) NOT NULL,
    "flushed_at" TIMESTAMPTZ(3),

    CONSTRAINT "auth_failures_pkey" PRIMARY KEY ("source","kind","window_start")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "setup_tokens_token_hash_key" ON "setup_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "agents_name_key" ON "agents"("name");

-- CreateIndex
CREATE UNIQUE INDEX "agent_keys_lookup_id_key" ON "agent_keys"("lookup_id");

-- CreateIndex
CREATE INDEX "agent_keys_agent_id_idx" ON "agent_keys"("agent_id");

-- CreateIndex
CREATE INDEX "requests_status_expires_at_idx" ON "requests"("status", "expires_at");

-- CreateIndex
CREATE INDEX "requests_agent_id_created_at_idx" ON "requests"("agent_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "requests_agent_id_idempotency_key_key" ON "requests"("agent_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "reviews_request_id_reviewer_id_key" ON "reviews"("request_id", "reviewer_id");

-- CreateIndex
CREATE UNIQUE INDEX "grants_request_id_key" ON "grants"("request_id");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_hash_key" ON "audit_events"("hash");

-- CreateIndex
CREATE INDEX "audit_events_type_at_idx" ON "audit_events"("type", "at");

-- CreateIndex
CREATE INDEX "audit_events_subject_type_subject_id_idx" ON "audit_events"("subject_type", "subject_id");

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_keys" ADD CONSTRAINT "agent_keys_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "requests" ADD CONSTRAINT "requests_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "requests" ADD CONSTRAINT "requests_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "agent_keys"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "requests" ADD CONSTRAINT "requests_policy_version_fkey" FOREIGN KEY ("policy_version") REFERENCES "policy_versions"("version") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "grants" ADD CONSTRAINT "grants_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The audit log is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
-- ENABLE ALWAYS keeps the triggers firing even under session_replication_role = replica.
CREATE FUNCTION countersign_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION countersign_audit_append_only();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_audit_append_only();
ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER audit_events_no_update_delete;
ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER audit_events_no_truncate;

-- Where the migrating role may (a superuser), also refuse DDL that would switch the guard off:
-- disabling or dropping the triggers, or dropping or altering the table.
CREATE FUNCTION countersign_audit_guard_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    IF cmd.object_identity LIKE '%audit_events%' OR cmd.object_identity LIKE '%countersign_audit_append_only%' THEN
      RAISE EXCEPTION 'audit_events is append-only: % refused', cmd.command_tag
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END LOOP;
END
$$;

CREATE FUNCTION countersign_audit_guard_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  obj record;
BEGIN
  FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
    IF obj.object_identity LIKE '%audit_events%' OR obj.object_identity LIKE '%countersign_audit_append_only%' THEN
      RAISE EXCEPTION 'audit_events is append-only: DROP refused'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END LOOP;
END
$$;

DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    CREATE EVENT TRIGGER countersign_audit_guard_ddl ON ddl_command_end
      EXECUTE FUNCTION countersign_audit_guard_ddl();
    CREATE EVENT TRIGGER countersign_audit_guard_drop ON sql_drop
      EXECUTE FUNCTION countersign_audit_guard_drop();
  END IF;
END
$$;
