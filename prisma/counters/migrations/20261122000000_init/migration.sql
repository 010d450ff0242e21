-- CreateTable
CREATE TABLE "counters" (
    "type" TEXT NOT NULL,
    "resource_id" TEXT NOT NULL,
    "value" BIGINT NOT NULL DEFAULT 0,
    "log_id" TEXT NOT NULL,
    "log_partition" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "counters_pkey" PRIMARY KEY ("type","resource_id")
);

-- CreateTable
CREATE TABLE "post_likes" (
    "post_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "liked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "post_likes_pkey" PRIMARY KEY ("post_id","user_id")
);

-- CreateTable
CREATE TABLE "counter_log_offsets" (
    "log_id" TEXT NOT NULL,
    "log_partition" INTEGER NOT NULL,
    "last_offset" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "counter_log_offsets_pkey" PRIMARY KEY ("log_id","log_partition")
);

-- CreateTable
CREATE TABLE "known_posts" (
    "post_id" TEXT NOT NULL,
    "author_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "known_posts_pkey" PRIMARY KEY ("post_id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
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

-- The outbox relay's work queue and per-key ordering check (partial indexes, not expressible in schema.prisma;
-- same as packages/events/src/outbox/outbox.sql).
CREATE INDEX "outbox_events_unpublished_idx" ON "outbox_events"("seq") WHERE "published_at" IS NULL;
CREATE INDEX "outbox_events_unpublished_key_idx" ON "outbox_events"("key", "seq") WHERE "published_at" IS NULL;
