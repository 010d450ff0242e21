import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { EventBus, Subscription } from "@plaza/events";
import { createEntityCacheMetrics, createHealth, createMetrics, type Logger, type SubgraphServer } from "@plaza/kit";
import { createRedisFromConfig, openSubgraphStorage, subgraphServerSwitches } from "@plaza/runtime";
import { PrismaClient } from "./generated/prisma/client.ts";
import { buildPostsApp } from "./app.ts";
import type { PostsConfig } from "./env.ts";
import { createPostsMetrics } from "./metrics.ts";
import { createFanOut, type FanOut } from "./application/fan-out.ts";
import { createFeedReader, type FeedReader } from "./application/feed.ts";
import { createLiveFeed } from "./application/live-feed.ts";
import type { FollowGraph } from "./application/ports/follow-graph.port.ts";
import type { PostRepository } from "./application/ports/post-repository.port.ts";
import type { TimelineStore } from "./application/ports/timeline-store.port.ts";
import { createCachedPostRepository } from "./adapters/cache/cached-post-repository.ts";
import { startPostCacheInvalidation } from "./adapters/cache/post-cache-invalidation.ts";
import { startFanOutConsumer } from "./adapters/events/fan-out-consumer.ts";
import { startFollowProjectionConsumer } from "./adapters/events/follow-projection-consumer.ts";
import { createMemoryFeedBroadcast } from "./adapters/memory/memory-feed-broadcast.ts";
import { createMemoryTimelineStore } from "./adapters/memory/memory-timeline-store.ts";
import { createPrismaFollowGraph } from "./adapters/prisma/prisma-follow-graph.ts";
import { createPrismaPostRepository } from "./adapters/prisma/prisma-post-repository.ts";
import { createRedisFeedBroadcast } from "./adapters/redis/redis-feed-broadcast.ts";
import { createRedisTimelineStore } from "./adapters/redis/redis-timeline-store.ts";

export const POSTS_MIGRATIONS_DIR = new URL("../../../prisma/posts/migrations", import.meta.url).pathname;

export interface PostsService {
  app: SubgraphServer;
  posts: PostRepository;
  follows: FollowGraph;
  timelines: TimelineStore;
  fanOut: FanOut;
  feed: FeedReader;
  /** Bound port. */
  port: number;
  /** Drains HTTP and WebSockets, stops the consumers, the broadcast and the relay, then closes shards and Redis. */
  stop(): Promise<void>;
}

/** Wires the posts subgraph from configuration and a bus; shared by its own main() and the single-process launcher. */
export async function startPostsService(config: PostsConfig, deps: { bus: EventBus; logger: Logger }): Promise<PostsService> {
  const logger = deps.logger.child({ service: "posts" });
  const metrics = createMetrics("posts");
  const instruments = createPostsMetrics(metrics);
  const health = createHealth();
  const storage = await openSubgraphStorage({
    service: "posts",
    shardConfig: config.shards,
    makeClient: (adapter) => new PrismaClient({ adapter }),
    migrationsDir: POSTS_MIGRATIONS_DIR,
    migrateOnStart: config.MIGRATE_ON_START,
    bus: deps.bus,
    logger,
    metrics,
    health,
  });
  const redis: Redis | undefined = config.REDIS_URL
    ? createRedisFromConfig({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger, health, name: "plaza-posts" })
    : undefined;
  if (!redis && config.KAFKA_BROKERS.length > 0) {
    logger.warn("KAFKA_BROKERS without REDIS_URL: timelines and live updates stay in this process; run a single posts instance");
  }
  const timelines = redis
    ? createRedisTimelineStore({ redis, maxLength: config.FEED_TIMELINE_MAX, ttlSeconds: config.FEED_TIMELINE_TTL_SECONDS })
    : createMemoryTimelineStore({ maxLength: config.FEED_TIMELINE_MAX });
  const broadcast = redis
    ? createRedisFeedBroadcast({ redis, channelPrefix: config.REDIS_KEY_PREFIX, logger })
    : createMemoryFeedBroadcast();
  const repository = createPrismaPostRepository({ shards: storage.shards.router, onOutboxWrite: () => storage.relay.kick() });
  const cache =
    config.POSTS_ENTITY_CACHE_MAX_ENTRIES > 0
      ? createCachedPostRepository({
          inner: repository,
          maxEntries: config.POSTS_ENTITY_CACHE_MAX_ENTRIES,
          ttlMs: config.POSTS_ENTITY_CACHE_TTL_MS,
          metrics: createEntityCacheMetrics(metrics, "Post"),
        })
      : undefined;
  const posts: PostRepository = cache ?? repository;
  const follows = createPrismaFollowGraph({ shards: storage.shards.router });
  const fanOut = createFanOut({
    posts,
    follows,
    timelines,
    broadcast,
    logger: logger.child({ component: "fan-out" }),
    metrics: instruments.fanOut,
    settings: {
      maxFollowers: config.FEED_FANOUT_MAX_FOLLOWERS,
      batchSize: config.FEED_FANOUT_BATCH_SIZE,
      backfillPosts: config.FEED_BACKFILL_POSTS,
      timelineMax: config.FEED_TIMELINE_MAX,
    },
  });
  const feed = createFeedReader({
    posts,
    follows,
    timelines,
    logger,
    metrics: instruments.feed,
    settings: { timelineMax: config.FEED_TIMELINE_MAX, maxFollowers: config.FEED_FANOUT_MAX_FOLLOWERS },
  });
  const live = createLiveFeed({ broadcast, follows, logger, metrics: instruments.live });

  const consumers: Subscription[] = [];
  const release = async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    await live.stop();
    await broadcast.close();
    await storage.close();
    await redis?.quit().catch(() => redis.disconnect());
  };
  try {
    await live.start();
    // Postgres (and Redis) down is an outage to wait out, not a reason to dead-letter the events meanwhile.
    const dependenciesUp = async () => void (await Promise.all([storage.reachable(), redis?.ping()]));
    consumers.push(await startFollowProjectionConsumer({ bus: deps.bus, fanOut, dependenciesUp }));
    consumers.push(await startFanOutConsumer({ bus: deps.bus, fanOut, dependenciesUp }));
    // The cache starts empty, so it needs no catch-up: a fresh group per start (old ones expire in Kafka).
    if (cache) {
      const instanceId = `${hostname()}.${randomUUID().slice(0, 8)}`;
      consumers.push(await startPostCacheInvalidation({ bus: deps.bus, cache, instanceId }));
    }
    const app = buildPostsApp({
      posts,
      feed,
      live,
      maxBodyLength: config.POST_MAX_LENGTH,
      maxPageSize: config.FEED_MAX_PAGE_SIZE,
      logger,
      metrics,
      health,
      internalAuthKey: config.INTERNAL_AUTH_KEY,
      internalAuthMaxAgeSeconds: config.INTERNAL_AUTH_MAX_AGE_SECONDS,
      ...subgraphServerSwitches(config),
    });
    const port = await app.listen(config.POSTS_PORT, config.HOST);
    if (config.metricsPort !== undefined) await app.listenMetrics(config.metricsPort, config.HOST);
    logger.info({ port, shards: config.shards.describe, timelines: redis ? "redis" : "memory" }, "posts subgraph listening");
    return {
      app,
      posts,
      follows,
      timelines,
      fanOut,
      feed,
      port,
      async stop() {
        await app.close();
        await release();
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}
