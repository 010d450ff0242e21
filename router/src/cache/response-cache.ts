import type { Plugin } from "graphql-yoga";
import type { Redis } from "ioredis";
import type { EventBus, EventEnvelope } from "@plaza/events";
import type { Logger } from "@plaza/kit";
import type { RouterContext } from "../context.ts";
import type { RouterMetrics } from "../metrics.ts";
import { useResponseCache } from "../plugins/use-response-cache.ts";
import { invalidationTags, type EntityRef, type ResponseCachePolicy } from "./cache-policy.ts";
import { createHttpFastPath, type NodeHandler } from "./http-fast-path.ts";
import { startInvalidationConsumer, type InvalidationConsumer } from "./invalidation-consumer.ts";
import { entitiesForEvent, INVALIDATION_TOPICS } from "./invalidation-events.ts";
import { createKnownOperations } from "./known-operations.ts";
import { createL1Cache } from "./l1-cache.ts";
import { createRedisCacheStore } from "./redis-cache-store.ts";
import { createFlightRegistry } from "./request-state.ts";
import { createTwoLevelCache, type InvalidationSource, type TwoLevelCache } from "./two-level-cache.ts";
import { createVerifiedTokens, type VerifiedTokens } from "../auth/verified-tokens.ts";
import type { HttpResponsePolicy } from "../app.ts";

export interface InvalidationNotice {
  source: InvalidationSource;
  tags: readonly string[];
  /** The domain event behind an `event` invalidation. */
  event?: Pick<EventEnvelope, "id" | "type" | "aggregateId">;
}

export interface RouterResponseCacheOptions {
  policy: ResponseCachePolicy;
  metrics: RouterMetrics;
  logger: Logger;
  l1MaxBytes: number;
  /** The shared second level; without it the cache is in-process only (embedded default). */
  redis?: { client: Redis; keyPrefix: string };
  /** A second-level read slower than this counts as a miss (default 100 ms). */
  redisReadTimeoutMs?: number;
  /** Domain events that invalidate (Kafka, or the in-process bus of the embedded default). */
  events?: { bus: EventBus; instanceId: string; topics?: readonly string[] };
  /** Serve L1 hits before GraphQL (default true). */
  fastPath?: boolean;
  /** Honour `x-plaza-cache-debug: 1` with an `x-plaza-cache` response header (default true; off in production). */
  debugHeader?: boolean;
  graphqlPath?: string;
  maxBodyBytes: number;
  /** Identical requests wait this long for the one in flight before executing themselves. */
  flightWaitMs?: number;
  /** Longer than any request takes: invalidations are remembered this long against in-flight fetches. */
  horizonMs?: number;
}

export interface RouterResponseCache {
  /** For buildRouter's `plugins` slot (they must come after the gateway executor). */
  plugins: Plugin<RouterContext>[];
  /** For buildRouter's `wrapHttpHandler`: answers L1 hits before yoga. Identity when the fast path is off. */
  wrapHttpHandler(handler: NodeHandler, http: HttpResponsePolicy): NodeHandler;
  /** Moves on every invalidation (subgraph fetch deduplication never joins a fetch older than one). */
  invalidationEpoch(): number;
  invalidate(refs: readonly EntityRef[], source: InvalidationSource): Promise<void>;
  /** Observes every invalidation on this instance (tests wait on it instead of sleeping). */
  onInvalidated(listener: (notice: InvalidationNotice) => void): () => void;
  /** Resolves once invalidation events are being consumed (immediately without a bus). */
  readonly consuming: Promise<void>;
  readonly levels: TwoLevelCache;
  /** Authorization headers the router verified: pass to buildRouter so both fast paths share one memory. */
  readonly verifiedTokens: VerifiedTokens;
  /** Stops consuming events and lets background Redis writes settle. The Redis client belongs to the caller. */
  close(): Promise<void>;
}

export const RESPONSE_CACHE_GROUP_PREFIX = "router.response-cache.";

export function createRouterResponseCache(options: RouterResponseCacheOptions): RouterResponseCache {
  const { policy, metrics, logger } = options;
  const horizonMs = options.horizonMs ?? 60_000;
  const maxTtlMs = Math.max(policy.defaultTtlMs, ...Object.values(policy.ttl));
  const l1 = createL1Cache({ maxBytes: options.l1MaxBytes, invalidationHorizonMs: horizonMs });
  const levels = createTwoLevelCache({
    l1,
    l2: options.redis && {
      store: createRedisCacheStore({ redis: options.redis.client, keyPrefix: options.redis.keyPrefix, tombstoneMs: horizonMs }),
      connection: options.redis.client,
    },
    maxTtlMs,
    horizonMs,
    readTimeoutMs: options.redisReadTimeoutMs ?? 100,
    metrics,
    logger,
  });
  const listeners = new Set<(notice: InvalidationNotice) => void>();
  const notify = (notice: InvalidationNotice) => {
    for (const listener of listeners) {
      try {
        listener(notice);
      } catch (err) {
        logger.warn({ err }, "response cache: invalidation listener failed");
      }
    }
  };
  const invalidateTags = async (tags: readonly string[], source: InvalidationSource, event?: InvalidationNotice["event"]) => {
    await levels.invalidate(tags, source);
    notify({ source, tags, event });
  };

  const knownOperations = createKnownOperations();
  const verifiedTokens = createVerifiedTokens();
  const plugins = useResponseCache({
    policy,
    cache: levels,
    flights: createFlightRegistry({ maxWaitMs: options.flightWaitMs ?? 15_000 }),
    knownOperations,
    verifiedTokens,
    invalidate: (tags, source) => invalidateTags(tags, source),
    debugHeader: options.debugHeader ?? true,
    flightWaitMs: options.flightWaitMs ?? 15_000,
    metrics,
    logger,
  }) as Plugin<RouterContext>[];

  const fastPath =
    options.fastPath === false
      ? (handler: NodeHandler) => handler
      : (handler: NodeHandler, http: HttpResponsePolicy) =>
          createHttpFastPath({
            cache: levels,
            knownOperations,
            verifiedTokens,
            graphqlPath: options.graphqlPath ?? "/graphql",
            maxBodyBytes: options.maxBodyBytes,
            metrics,
            corsHeaders: http.corsHeaders,
            debugHeader: options.debugHeader ?? true,
          })(handler);

  let consumer: InvalidationConsumer | undefined;
  if (options.events) {
    consumer = startInvalidationConsumer({
      bus: options.events.bus,
      groupId: `${RESPONSE_CACHE_GROUP_PREFIX}${options.events.instanceId}`,
      topics: options.events.topics ?? INVALIDATION_TOPICS,
      logger,
      handleBatch: async (events) => {
        const byEvent = events.map((event) => ({ event, tags: invalidationTags(entitiesForEvent(event)) }));
        const tags = [...new Set(byEvent.flatMap((item) => item.tags))];
        if (tags.length > 0) await levels.invalidate(tags, "event");
        if (listeners.size === 0) return;
        for (const { event, tags: eventTags } of byEvent) {
          if (eventTags.length > 0)
            notify({
              source: "event",
              tags: eventTags,
              event: { id: event.id, type: event.type, aggregateId: event.aggregateId },
            });
        }
      },
    });
  } else {
    logger.warn("response cache: no event bus, so only mutations through this router and TTLs invalidate");
  }

  return {
    plugins,
    wrapHttpHandler: fastPath,
    verifiedTokens,
    invalidationEpoch: () => l1.seq(),
    invalidate: (refs, source) => invalidateTags(invalidationTags(refs), source),
    onInvalidated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    consuming: consumer?.joined ?? Promise.resolve(),
    levels,
    async close() {
      await consumer?.stop();
      await levels.settle();
      l1.clear();
    },
  };
}
