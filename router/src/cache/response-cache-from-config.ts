import { Redis } from "ioredis";
import type { Counter } from "prom-client";
import { createKafkaEventBus, DEAD_LETTER_LABEL_NAMES, watchDeadLetters, type EventBus } from "@plaza/events";
import type { Logger } from "@plaza/kit";
import type { RouterConfig } from "../env.ts";
import type { RouterMetrics } from "../metrics.ts";
import type { ResponseCachePolicy } from "./cache-policy.ts";
import { plazaCachePolicy } from "./plaza-cache-policy.ts";
import { createRouterResponseCache, type RouterResponseCache } from "./response-cache.ts";

/**
 * The Redis client of the cache's second level. It never queues commands while disconnected: with Redis down,
 * lookups fail at once and requests are served uncached; it reconnects in the background and caching resumes.
 */
export function createCacheRedisClient(opts: { url: string; commandTimeoutMs: number; logger: Logger }): Redis {
  const redis = new Redis(opts.url, {
    connectionName: "plaza-router-response-cache",
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  });
  let lastLogged = 0;
  redis.on("error", (err) => {
    // One line every 10 s while Redis is down, not one per reconnect attempt.
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      opts.logger.warn({ err }, "response cache: redis unavailable, serving uncached from the second level");
    }
  });
  redis.on("ready", () => opts.logger.info("response cache: redis connected"));
  return redis;
}

export interface ConfiguredResponseCache {
  /** Undefined when RESPONSE_CACHE_ENABLED=false. */
  cache?: RouterResponseCache;
  /** The event bus the cache consumes (passed in or its own Kafka bus); other router consumers may share it. */
  bus?: EventBus;
  /** Closes the cache, then the Redis client and the event bus it created (not a bus passed in). */
  close(): Promise<void>;
}

/** `plaza_router_event_dead_letters_total`: invalidation events the router's consumer parked (same labels as the subgraphs'). */
export function countRouterDeadLetters(bus: EventBus, metrics: RouterMetrics): () => void {
  const name = metrics.name("event_dead_letters_total");
  const counter =
    (metrics.registry.getSingleMetric(name) as Counter<(typeof DEAD_LETTER_LABEL_NAMES)[number]> | undefined) ??
    metrics.counter(
      "event_dead_letters_total",
      "Events the router's consumers parked on a dead-letter topic (<topic>.dlq), by consumer group, topic and reason",
      DEAD_LETTER_LABEL_NAMES,
    );
  return watchDeadLetters(bus, "router", (labels) => counter.inc(labels));
}

/**
 * The response cache as configured: Redis behind the in-process level when REDIS_URL is set, invalidation events
 * from `bus` (the launcher's shared bus) or, for a router on its own, from Kafka when KAFKA_BROKERS is set.
 */
export function createResponseCacheFromConfig(
  config: RouterConfig,
  deps: { logger: Logger; metrics: RouterMetrics; bus?: EventBus; policy?: ResponseCachePolicy },
): ConfiguredResponseCache {
  const settings = config.cache;
  if (!settings.responseCache.enabled) return { close: async () => {} };
  const logger = deps.logger.child({ component: "response-cache" });
  const redis = settings.redisUrl
    ? createCacheRedisClient({
        url: settings.redisUrl,
        commandTimeoutMs: Math.max(1_000, settings.responseCache.redisTimeoutMs * 10),
        logger,
      })
    : undefined;
  const ownBus =
    !deps.bus && settings.kafkaBrokers.length > 0
      ? createKafkaEventBus({
          brokers: settings.kafkaBrokers,
          clientId: `plaza-router-${settings.instanceId}`,
          logger,
          groupIdPrefix: settings.kafkaGroupPrefix,
        })
      : undefined;
  const bus = deps.bus ?? ownBus;
  const stopCountingDeadLetters = bus ? countRouterDeadLetters(bus, deps.metrics) : () => undefined;
  const cache = createRouterResponseCache({
    policy:
      deps.policy ??
      plazaCachePolicy({ defaultTtlMs: settings.responseCache.defaultTtlMs, defaultScope: settings.responseCache.defaultScope }),
    metrics: deps.metrics,
    logger,
    l1MaxBytes: settings.responseCache.l1MaxBytes,
    redis: redis && { client: redis, keyPrefix: settings.redisKeyPrefix },
    redisReadTimeoutMs: settings.responseCache.redisTimeoutMs,
    events: bus && { bus, instanceId: settings.instanceId },
    fastPath: settings.responseCache.fastPath,
    debugHeader: config.security.cacheDebugHeader,
    maxBodyBytes: config.maxBodyBytes,
    // A request's upstream fetches are bounded by the subgraph timeout; leave room for several in sequence.
    horizonMs: Math.max(60_000, config.subgraphTimeoutMs * 6),
    flightWaitMs: config.subgraphTimeoutMs * 2,
  });
  return {
    cache,
    bus,
    async close() {
      stopCountingDeadLetters();
      await cache.close();
      redis?.disconnect();
      await ownBus?.close();
    },
  };
}
