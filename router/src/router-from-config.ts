import { readFile } from "node:fs/promises";
import { Redis } from "ioredis";
import { createKafkaEventBus, Topics, type EventBus } from "@plaza/events";
import { createMemoryRateLimiter, type Health, type Logger, type RateLimiter } from "@plaza/kit";
import { createRedisRateLimiter } from "@plaza/runtime/redis-rate-limiter";
import { APQ_MEMORY_DEFAULTS, buildRouter, type Router, type RouterDeps } from "./app.ts";
import { createResponseCacheFromConfig, type ConfiguredResponseCache } from "./cache/response-cache-from-config.ts";
import type { RouterConfig } from "./env.ts";
import type { RouterMetrics } from "./metrics.ts";
import {
  createMemoryPersistedQueryStore,
  createRedisPersistedQueryStore,
  loadTrustedDocuments,
  type PersistedQueryStore,
} from "./persisted/persisted-operations.ts";
import type { PersistedOperationsOptions } from "./plugins/use-persisted-operations.ts";
import { startRevocationConsumer } from "./auth/revocation-consumer.ts";
import type { InvalidationConsumer } from "./cache/invalidation-consumer.ts";

export interface RouterFromConfig {
  /** Created at once, so its invalidation consumer can join while the rest starts. */
  responseCache: ConfiguredResponseCache;
  /** Builds the router with every configured setting (the one path for `npm start`, `start:router` and tests). */
  build(opts: { supergraphSdl?: string; subgraphUrls?: Record<string, string>; health: Health }): Promise<Router>;
  /** Closes what this created besides the router (response cache, Redis clients). */
  close(): Promise<void>;
}

/** APQ texts survive a Redis outage as misses: the client sends the text again. */
function resilient(store: PersistedQueryStore, logger: Logger): PersistedQueryStore {
  return {
    get: (hash) => store.get(hash).catch((err: unknown) => (logger.warn({ err }, "APQ store read failed"), undefined)),
    set: (hash, query) => store.set(hash, query).catch((err: unknown) => logger.warn({ err }, "APQ store write failed")),
  };
}

/**
 * Config → router: every documented router setting reaches buildRouter from here, whichever command started it.
 */
export function routerFromConfig(
  config: RouterConfig,
  deps: { logger: Logger; metrics: RouterMetrics; bus?: EventBus },
): RouterFromConfig {
  const { logger, metrics } = deps;
  const security = config.security;
  const responseCache = createResponseCacheFromConfig(config, { logger, metrics, bus: deps.bus });
  const trusted = security.trustedDocumentsPath ? loadTrustedDocuments(security.trustedDocumentsPath) : undefined;
  const { rateLimits } = security;
  const wantsRedis = security.apq.enabled || rateLimits.perViewer > 0 || rateLimits.perAddress > 0;
  // One client for what every router instance must share: APQ texts and rate limits.
  const sharedRedis =
    wantsRedis && config.cache.redisUrl
      ? new Redis(config.cache.redisUrl, {
          connectionName: "plaza-router-shared",
          // A rate-limit check per request: the checks issued in one turn of the event loop share one write.
          enableAutoPipelining: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: 1_000,
          retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
        })
      : undefined;
  sharedRedis?.on("error", () => undefined); // reported where the store or a limiter fails
  const apq = !security.apq.enabled
    ? undefined
    : sharedRedis
      ? resilient(
          createRedisPersistedQueryStore({
            redis: sharedRedis,
            keyPrefix: config.cache.redisKeyPrefix,
            ttlSeconds: security.apq.ttlSeconds,
          }),
          logger,
        )
      : createMemoryPersistedQueryStore(APQ_MEMORY_DEFAULTS);
  const persistedOperations: PersistedOperationsOptions = { apq, trusted, trustedOnly: security.trustedDocumentsOnly };
  const limiter = (limit: number, kind: string): RateLimiter | undefined => {
    if (limit <= 0) return undefined;
    const policy = { limit, windowMs: rateLimits.windowMs };
    return sharedRedis
      ? createRedisRateLimiter({ ...policy, redis: sharedRedis, prefix: `${config.cache.redisKeyPrefix}rl:router:${kind}:` })
      : createMemoryRateLimiter(policy);
  };
  const requestRateLimits = {
    perViewer: limiter(rateLimits.perViewer, "viewer"),
    perAddress: limiter(rateLimits.perAddress, "ip"),
  };
  // Revocation events: the cache's bus when there is one, else a Kafka bus of our own when brokers are configured.
  const ownSessionBus =
    config.sessions && !deps.bus && !responseCache.bus && config.cache.kafkaBrokers.length > 0
      ? createKafkaEventBus({
          brokers: config.cache.kafkaBrokers,
          clientId: `plaza-router-sessions-${config.cache.instanceId}`,
          logger,
          groupIdPrefix: config.cache.kafkaGroupPrefix,
        })
      : undefined;
  const sessionBus = deps.bus ?? responseCache.bus ?? ownSessionBus;
  let revocations: InvalidationConsumer | undefined;

  return {
    responseCache,
    async build({ supergraphSdl, subgraphUrls, health }) {
      const cache = responseCache.cache;
      const routerDeps: RouterDeps = {
        supergraphSdl: supergraphSdl ?? (await readFile(config.supergraphPath, "utf8")),
        subgraphUrls: { ...config.subgraphUrls, ...subgraphUrls },
        jwtSecret: config.jwtSecret,
        jwtMaxTtlSeconds: config.jwtMaxTtlSeconds,
        sessions: config.sessions,
        internalAuthKey: config.internalAuthKey,
        logger,
        metrics,
        health,
        graphiql: config.graphiql,
        subgraphTimeoutMs: config.subgraphTimeoutMs,
        subgraphMaxConnections: config.subgraphMaxConnections,
        maxBodyBytes: config.maxBodyBytes,
        subscriptions: config.subscriptions,
        plugins: cache?.plugins,
        wrapHttpHandler: cache?.wrapHttpHandler,
        verifiedTokens: cache?.verifiedTokens,
        httpFastLane: config.httpFastLane,
        singleFetchDirect: config.singleFetchDirect,
        inboundDedupe: config.inboundDedupe,
        trustedProxies: config.trustedProxies,
        subgraphFetchDedupe: { enabled: config.cache.subgraphFetchDedupe, epoch: cache?.invalidationEpoch },
        limits: security.limits,
        maxJsonDepth: security.maxJsonDepth,
        csrfPrevention: security.csrfPrevention,
        introspection: security.introspection,
        fieldSuggestions: security.fieldSuggestions,
        corsOrigins: security.corsOrigins,
        persistedOperations,
        rateLimits: requestRateLimits,
      };
      const router = await buildRouter(routerDeps);
      if (config.sessions && sessionBus) {
        revocations = startRevocationConsumer({
          bus: sessionBus,
          instanceId: config.cache.instanceId,
          topic: Topics.users,
          revoke: (revocation) => {
            metrics.sessionRevocations.inc({ kind: revocation.kind });
            router.authenticator.revoke(revocation);
          },
          logger,
        });
      } else if (config.sessions) {
        logger.warn("sessions: no event bus, so revocations reach this router within ROUTER_SESSION_CHECK_TTL_MS");
      }
      return router;
    },
    async close() {
      await revocations?.stop();
      await ownSessionBus?.close();
      await responseCache.close();
      sharedRedis?.disconnect();
    },
  };
}
