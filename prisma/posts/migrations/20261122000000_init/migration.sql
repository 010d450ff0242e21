-- CreateTable
CREATE TABLE "posts" (
    "id" TEXT NOT NULL,
    "author_id" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "posts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feed_followers" (
    "followee_id" TEXT NOT NULL,
    "follower_id" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "changed_at" TIMESTAMPTZ(3),
    "event_id" TEXT,

    CONSTRAINT "feed_followers_pkey" PRIMARY KEY ("followee_id","follower_id")
);

-- CreateTable
CREATE TABLE "feed_following" (
    "follower_id" TEXT NOT NULL,
    "followee_id" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "changed_at" TIMESTAMPTZ(3),
    "event_id" TEXT,

    CONSTRAINT "feed_following_pkey" PRIMARY KEY ("follower_id","followee_id")
);

-- CreateTable
CREATE TABLE "feed_authors" (
    "author_id" TEXT NOT NULL,
    "follower_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "feed_authors_pkey" PRIMARY KEY ("author_id")
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
CREATE INDEX "posts_author_id_created_at_id_idx" ON "posts"("author_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "feed_authors_follower_count_idx" ON "feed_authors"("follower_count");

-- The outbox relay's work queue and per-key ordering check (partial indexes, not expressible in schema.prisma;
-- same as packages/events/src/outbox/outbox.sql).
CREATE INDEX IF NOT EXISTS "outbox_events_unpublished_idx" ON "outbox_events"("seq") WHERE "published_at" IS NULL;
CREATE INDEX IF NOT EXISTS "outbox_events_unpublished_key_idx" ON "outbox_events"("key", "seq") WHERE "published_at" IS NULL;
