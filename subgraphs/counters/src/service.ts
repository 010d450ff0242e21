import type { Redis } from "ioredis";
import type { EventBus, Subscription } from "@plaza/events";
import {
  createHealth,
  createMemoryRateLimiter,
  createMetrics,
  type Health,
  type Logger,
  type RateLimiter,
  type ServiceMetrics,
  type SubgraphServer,
} from "@plaza/kit";
import { createRedisFromConfig, createRedisRateLimiter, openSubgraphStorage, subgraphServerSwitches } from "@plaza/runtime";
import { isId } from "@plaza/sharding";
import { PrismaClient } from "./generated/prisma/client.ts";
import { buildCountersApp } from "./app.ts";
import type { CountersConfig } from "./env.ts";
import { createCountersMetrics, type CountersMetrics } from "./metrics.ts";
import { createCounterService, type CounterService } from "./application/counter-service.ts";
import { createRebuilder, type Rebuilder } from "./application/rebuild.ts";
import { startWarmWatcher } from "./application/warm-watcher.ts";
import { startWriteBehind } from "./application/write-behind.ts";
import { createReadThroughPostDirectory } from "./application/read-through-post-directory.ts";
import { createPostsLookup } from "./adapters/http/posts-lookup.ts";
import type { CounterChanges } from "./application/ports/counter-changes.port.ts";
import type { CounterLog, LogConsumer } from "./application/ports/counter-log.port.ts";
import type { CounterSnapshots } from "./application/ports/counter-snapshots.port.ts";
import type { CounterStore } from "./application/ports/counter-store.port.ts";
import type { PostDirectory } from "./application/ports/post-directory.port.ts";
import type { IncrementableType } from "./domain/counter.ts";
import { startPostProjectionConsumer } from "./adapters/events/post-projection-consumer.ts";
import { createKafkaCounterLog } from "./adapters/kafka/kafka-counter-log.ts";
import { createMemoryCounterLog } from "./adapters/memory/memory-counter-log.ts";
import { createMemoryCounterChanges, createMemoryCounterStore } from "./adapters/memory/memory-counter-store.ts";
import { createPrismaPostDirectory } from "./adapters/prisma/prisma-post-directory.ts";
import { createRedisCounterChanges } from "./adapters/redis/redis-counter-changes.ts";
import { createRedisCounterStore } from "./adapters/redis/redis-counter-store.ts";
import { createSqlCounterSnapshots } from "./adapters/sql/sql-counter-snapshots.ts";

export const COUNTERS_MIGRATIONS_DIR = new URL("../../../prisma/counters/migrations", import.meta.url).pathname;

export interface HotStore {
  store: CounterStore;
  changes: CounterChanges;
  /** Present with REDIS_URL. */
  redis?: Redis;
  close(): Promise<void>;
}

/** Redis when REDIS_URL is set (or a client is given), else the in-memory store of the embedded default. */
export function createHotStore(
  config: CountersConfig,
  deps: { logger: Logger; health?: Health; countersMetrics?: CountersMetrics; redis?: Redis },
): HotStore {
  const onRoundTrip = deps.countersMetrics && ((operation: string) => deps.countersMetrics!.redisRoundTrips.inc({ operation }));
  const redis =
    deps.redis ??
    (config.REDIS_URL
      ? createRedisFromConfig({
          url: config.REDIS_URL,
          keyPrefix: config.REDIS_KEY_PREFIX,
          logger: deps.logger,
          health: deps.health,
          name: "plaza-counters",
        })
      : undefined);
  if (!redis) {
    const changes = createMemoryCounterChanges();
    const store = createMemoryCounterStore({ changes });
    return { store, changes, close: async () => changes.close() };
  }
  const store = createRedisCounterStore({ redis, onRoundTrip });
  const changes = createRedisCounterChanges({ redis, logger: deps.logger });
  return {
    store,
    changes,
    redis,
    async close() {
      await changes.close();
      // A client handed in belongs to the caller.
      if (!deps.redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * The per-viewer, per-post limits of incrementCounter: on the hot store's Redis when there is one (every instance
 * shares them), else in this process's memory (the embedded default is one process).
 */
export function createIncrementLimits(
  config: CountersConfig,
  deps: { redis?: Redis; countersMetrics?: CountersMetrics },
): Record<IncrementableType, RateLimiter> {
  const make = (type: IncrementableType, limit: number, windowMs: number): RateLimiter =>
    deps.redis
      ? createRedisRateLimiter({
          redis: deps.redis,
          prefix: `ctr:rl:${type}:`,
          limit,
          windowMs,
          onRoundTrip: deps.countersMetrics && (() => deps.countersMetrics!.redisRoundTrips.inc({ operation: "rate_limit" })),
        })
      : createMemoryRateLimiter({ limit, windowMs });
  return {
    VIEW: make("VIEW", config.COUNTERS_VIEW_RATE_LIMIT, config.COUNTERS_VIEW_RATE_WINDOW_MS),
    SHARE: make("SHARE", config.COUNTERS_SHARE_RATE_LIMIT, config.COUNTERS_SHARE_RATE_WINDOW_MS),
  };
}

/** Kafka when brokers are configured, else the in-memory log (whose appends also reach the in-process bus). */
export async function createCounterLogFromConfig(
  config: CountersConfig,
  deps: { logger: Logger; snapshots: CounterSnapshots; bus?: EventBus; countersMetrics?: CountersMetrics; topic?: string },
): Promise<CounterLog> {
  const m = deps.countersMetrics;
  if (config.KAFKA_BROKERS.length > 0) {
    return createKafkaCounterLog({
      brokers: config.KAFKA_BROKERS,
      logger: deps.logger,
      clientId: "plaza-counters",
      topic: deps.topic,
      groupIdPrefix: config.KAFKA_GROUP_PREFIX,
      lingerMs: config.COUNTERS_LOG_LINGER_MS,
      maxBatch: config.COUNTERS_LOG_MAX_BATCH,
      topicPartitions: config.COUNTERS_LOG_PARTITIONS,
      onLag: m && ((partition, lag) => m.consumerLag.set({ partition: String(partition) }, lag)),
      onFlush:
        m &&
        ((events, ms) => {
          m.logAppendBatch.observe(events);
          m.logAppendDuration.observe(ms / 1000);
        }),
    });
  }
  // Offsets continue after everything a previous run persisted.
  const applied = await deps.snapshots.appliedOffsets("memory");
  const bus = deps.bus;
  return createMemoryCounterLog({
    partitions: config.COUNTERS_LOG_PARTITIONS,
    startOffsets: new Map([...applied].map(([partition, entry]) => [partition, entry.highest + 1])),
    logger: deps.logger,
    onAppend:
      bus &&
      ((events) => {
        bus
          .publish(events)
          .catch((err: unknown) => deps.logger.warn({ err }, "could not forward counter events to the event bus"));
      }),
  });
}

export interface CountersService {
  app: SubgraphServer;
  port: number;
  counters: CounterService;
  store: CounterStore;
  log: CounterLog;
  snapshots: CounterSnapshots;
  rebuilder: Rebuilder;
  /** The projection of live posts (tests seed it directly). */
  posts: PostDirectory;
  metrics: ServiceMetrics;
  /** Resolves once a background full rebuild in progress has finished. */
  rebuildSettled(): Promise<void>;
  /** Drains HTTP and WebSockets, then the write-behind (the embedded log is persisted), then closes stores and shards. */
  stop(): Promise<void>;
}

/** Wires the counters subgraph from configuration and a bus; shared by its own main() and the single-process launcher. */
export async function startCountersService(
  config: CountersConfig,
  deps: {
    bus: EventBus;
    logger: Logger;
    redis?: Redis;
    /** The counter log's Kafka topic when not the product's own (a benchmark's second instance beside it). */
    logTopic?: string;
  },
): Promise<CountersService> {
  const logger = deps.logger.child({ service: "counters" });
  const metrics = createMetrics("counters");
  const countersMetrics = createCountersMetrics(metrics);
  const health = createHealth();
  const storage = await openSubgraphStorage({
    service: "counters",
    shardConfig: config.shards,
    makeClient: (adapter) => new PrismaClient({ adapter }),
    migrationsDir: COUNTERS_MIGRATIONS_DIR,
    migrateOnStart: config.MIGRATE_ON_START,
    bus: deps.bus,
    logger,
    metrics,
    health,
  });
  // Undone in reverse order when start-up fails half-way, and by stop().
  const teardown: Array<() => Promise<unknown>> = [() => storage.close()];
  const undo = async () => {
    for (const step of teardown.reverse())
      await step().catch((err: unknown) => logger.warn({ err }, "counters teardown step failed"));
  };
  try {
    const snapshots = createSqlCounterSnapshots({ shards: storage.shards.router });
    const hot = createHotStore(config, { logger, health, countersMetrics, redis: deps.redis });
    teardown.push(() => hot.close());
    const log = await createCounterLogFromConfig(config, {
      logger,
      snapshots,
      bus: deps.bus,
      countersMetrics,
      topic: deps.logTopic,
    });
    teardown.push(() => log.close());
    const writeBehind: LogConsumer = await startWriteBehind({
      log,
      snapshots,
      logger,
      onBatch: (applied, ms) => {
        countersMetrics.persistedEvents.inc(applied);
        countersMetrics.persistBatchDuration.observe(ms / 1000);
      },
      onDeadLetter: (reason) => countersMetrics.writeBehindDeadLetters.inc({ reason }),
      onOutageRetry: () => countersMetrics.writeBehindOutageRetries.inc(),
    });
    teardown.push(() => writeBehind.stop());
    const rebuilder = createRebuilder({
      log,
      snapshots,
      store: hot.store,
      logger,
      timeoutMs: config.COUNTERS_REBUILD_TIMEOUT_MS,
      onRebuild: (kind, counters) => {
        countersMetrics.rebuilds.inc({ kind });
        countersMetrics.rebuiltCounters.inc({ kind }, counters);
      },
    });
    const postProjection = createPrismaPostDirectory({ shards: storage.shards.router });
    // A post created a moment ago may not be projected yet: the posts subgraph is asked on a miss only.
    const posts = createReadThroughPostDirectory({
      projection: postProjection,
      lookup: createPostsLookup({ url: config.COUNTERS_POSTS_URL, internalAuthKey: config.INTERNAL_AUTH_KEY }),
      logger,
      isPostId: isId,
      onMiss: (result) => countersMetrics.postLookups.inc({ result }),
    });
    const projection: Subscription = await startPostProjectionConsumer({
      bus: deps.bus,
      posts: postProjection,
      logger,
      // Shards down: the events wait (retried), they are not dead-lettered.
      dependenciesUp: () => storage.reachable(),
    });
    teardown.push(() => projection.stop());
    const warmWatcher = startWarmWatcher({ store: hot.store, rebuilder, intervalMs: config.COUNTERS_WARM_CHECK_MS, logger });
    teardown.push(() => warmWatcher.stop());
    const counters = createCounterService({
      store: hot.store,
      log,
      rebuilder,
      posts,
      rules: {
        maxDelta: config.COUNTER_MAX_DELTA,
        batchLimit: config.COUNTERS_BATCH_LIMIT,
        idempotencyTtlSeconds: config.COUNTERS_IDEMPOTENCY_TTL_SECONDS,
      },
      limits: createIncrementLimits(config, { redis: hot.redis, countersMetrics }),
      onRateLimited: (type) => countersMetrics.rateLimited.inc({ type }),
    });
    const app = buildCountersApp({
      counters,
      changes: hot.changes,
      logger,
      metrics,
      countersMetrics,
      health,
      internalAuthKey: config.INTERNAL_AUTH_KEY,
      internalAuthMaxAgeSeconds: config.INTERNAL_AUTH_MAX_AGE_SECONDS,
      batchLimit: config.COUNTERS_BATCH_LIMIT,
      updatesPerSecond: config.COUNTER_UPDATES_PER_SECOND,
      ...subgraphServerSwitches(config),
    });
    teardown.push(() => app.close());
    const port = await app.listen(config.COUNTERS_PORT, config.HOST);
    if (config.metricsPort !== undefined) await app.listenMetrics(config.metricsPort, config.HOST);
    logger.info(
      { port, shards: config.shards.describe, log: log.id, hotStore: hot.redis ? "redis" : "memory" },
      "counters subgraph listening",
    );
    let stopping: Promise<void> | undefined;
    return {
      app,
      port,
      counters,
      store: hot.store,
      log,
      snapshots,
      rebuilder,
      posts,
      metrics,
      rebuildSettled: () => warmWatcher.settled(),
      stop: () => (stopping ??= undo()),
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
