-- CreateTable
CREATE TABLE "chat_conversations" (
    "id" TEXT NOT NULL,
    "direct_key" TEXT,
    "member_ids" TEXT[],
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "chat_conversations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chat_messages" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "sender_id" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "client_message_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "chat_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chat_inbox" (
    "user_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "last_message_id" TEXT,
    "read_seq" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "chat_inbox_pkey" PRIMARY KEY ("user_id","conversation_id")
);

-- CreateTable (IF NOT EXISTS: subgraphs configured with one shared DATABASE_SHARD_URLS share one outbox table,
-- which every relay drains safely; the columns are identical in every subgraph.)
CREATE TABLE IF NOT EXISTS "outbox_events" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "chat_conversations_direct_key_key" ON "chat_conversations"("direct_key");

-- CreateIndex
CREATE UNIQUE INDEX "chat_messages_conversation_id_seq_key" ON "chat_messages"("conversation_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "chat_messages_conversation_id_sender_id_client_message_id_key" ON "chat_messages"("conversation_id", "sender_id", "client_message_id");

-- CreateIndex
CREATE INDEX "chat_inbox_user_id_last_activity_at_conversation_id_idx" ON "chat_inbox"("user_id", "last_activity_at" DESC, "conversation_id" DESC);

-- The outbox relay's work queue and per-key ordering check (partial indexes, not expressible in schema.prisma;
-- same as packages/events/src/outbox/outbox.sql).
CREATE INDEX IF NOT EXISTS "outbox_events_unpublished_idx" ON "outbox_events"("seq") WHERE "published_at" IS NULL;
CREATE INDEX IF NOT EXISTS "outbox_events_unpublished_key_idx" ON "outbox_events"("key", "seq") WHERE "published_at" IS NULL;
