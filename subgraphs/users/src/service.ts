import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { EventBus, Subscription } from "@plaza/events";
import type { Redis } from "ioredis";
import {
  createEntityCacheMetrics,
  createHealth,
  createMemoryRateLimiter,
  createMetrics,
  type Logger,
  type RateLimiter,
  type SubgraphServer,
} from "@plaza/kit";
import { createRedisFromConfig, createRedisRateLimiter, openSubgraphStorage, subgraphServerSwitches } from "@plaza/runtime";
import { PrismaClient } from "./generated/prisma/client.ts";
import { buildUsersApp } from "./app.ts";
import type { UsersConfig } from "./env.ts";
import { createArgon2PasswordHasher } from "./adapters/crypto/argon2-password-hasher.ts";
import { createJwtTokenIssuer } from "./adapters/crypto/jwt-token-issuer.ts";
import { startFollowerIndexConsumer } from "./adapters/events/follower-index-consumer.ts";
import { createPrismaUserRepository } from "./adapters/prisma/prisma-user-repository.ts";
import { createPrismaSessionStore } from "./adapters/prisma/prisma-session-store.ts";
import { createCachedUserRepository } from "./adapters/cache/cached-user-repository.ts";
import { startUserCacheInvalidation } from "./adapters/cache/user-cache-invalidation.ts";
import type { UserRepository } from "./application/ports/user-repository.port.ts";
import { createAuthThrottle, type AuthLimiters } from "./application/auth-throttle.ts";
import { createUsersMetrics } from "./metrics.ts";

export const USERS_MIGRATIONS_DIR = new URL("../../../prisma/users/migrations", import.meta.url).pathname;

export interface UsersService {
  app: SubgraphServer;
  users: UserRepository;
  /** Bound port. */
  port: number;
  /** Drains HTTP and WebSockets, stops the consumer and the relay, then closes the shards — in that order. */
  stop(): Promise<void>;
}

/**
 * Sign-in and sign-up limits: in Redis when REDIS_URL is set (every instance counts together), else in this
 * process's memory (the embedded default is one process). A Redis error refuses the attempt (masked as
 * INTERNAL_SERVER_ERROR) rather than letting unlimited guesses through.
 */
export function createAuthLimiters(config: UsersConfig, redis: Redis | undefined): AuthLimiters {
  const make = (name: string, limit: number, windowMs: number): RateLimiter =>
    redis
      ? createRedisRateLimiter({ redis, prefix: `users:rl:${name}:`, limit, windowMs })
      : createMemoryRateLimiter({ limit, windowMs });
  return {
    signInIp: make("signin-ip", config.USERS_SIGNIN_IP_RATE_LIMIT, config.USERS_SIGNIN_IP_RATE_WINDOW_MS),
    signInAccountIp: make(
      "signin-account-ip",
      config.USERS_SIGNIN_ACCOUNT_IP_RATE_LIMIT,
      config.USERS_SIGNIN_ACCOUNT_IP_RATE_WINDOW_MS,
    ),
    signInAccount: make("signin-account", config.USERS_SIGNIN_ACCOUNT_RATE_LIMIT, config.USERS_SIGNIN_ACCOUNT_RATE_WINDOW_MS),
    signUpIp: make("signup-ip", config.USERS_SIGNUP_IP_RATE_LIMIT, config.USERS_SIGNUP_IP_RATE_WINDOW_MS),
  };
}

/** Wires the users subgraph from configuration and a bus; shared by its own main() and the single-process launcher. */
export async function startUsersService(config: UsersConfig, deps: { bus: EventBus; logger: Logger }): Promise<UsersService> {
  const logger = deps.logger.child({ service: "users" });
  const metrics = createMetrics("users");
  const usersMetrics = createUsersMetrics(metrics);
  const health = createHealth();
  const storage = await openSubgraphStorage({
    service: "users",
    shardConfig: config.shards,
    makeClient: (adapter) => new PrismaClient({ adapter }),
    migrationsDir: USERS_MIGRATIONS_DIR,
    migrateOnStart: config.MIGRATE_ON_START,
    bus: deps.bus,
    logger,
    metrics,
    health,
  });
  const repository = createPrismaUserRepository({ shards: storage.shards.router, onOutboxWrite: () => storage.relay.kick() });
  const sessions = createPrismaSessionStore({ shards: storage.shards.router, onOutboxWrite: () => storage.relay.kick() });
  const cache =
    config.USERS_ENTITY_CACHE_MAX_ENTRIES > 0
      ? createCachedUserRepository({
          inner: repository,
          maxEntries: config.USERS_ENTITY_CACHE_MAX_ENTRIES,
          ttlMs: config.USERS_ENTITY_CACHE_TTL_MS,
          metrics: createEntityCacheMetrics(metrics, "User"),
        })
      : undefined;
  const users: UserRepository = cache ?? repository;
  const redis = config.REDIS_URL
    ? createRedisFromConfig({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger, health, name: "plaza-users" })
    : undefined;
  const closeRedis = async () => {
    if (redis) await redis.quit().catch(() => redis.disconnect());
  };
  let consumer: Subscription | undefined;
  let cacheConsumer: Subscription | undefined;
  try {
    // Both groups join at once; if either fails, the other is still stopped below.
    const [followerIndex, entityCache] = await Promise.allSettled([
      startFollowerIndexConsumer({ bus: deps.bus, users, logger, dependenciesUp: () => storage.reachable() }),
      // The cache starts empty, so it needs no catch-up: a fresh group per start (old ones expire in Kafka).
      cache && startUserCacheInvalidation({ bus: deps.bus, cache, instanceId: `${hostname()}.${randomUUID().slice(0, 8)}` }),
    ]);
    consumer = followerIndex.status === "fulfilled" ? followerIndex.value : undefined;
    cacheConsumer = entityCache.status === "fulfilled" ? entityCache.value : undefined;
    if (followerIndex.status === "rejected") throw followerIndex.reason;
    if (entityCache.status === "rejected") throw entityCache.reason;
    const app = buildUsersApp({
      users,
      hasher: createArgon2PasswordHasher({ memoryCostKiB: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST }),
      tokens: createJwtTokenIssuer({
        secret: config.JWT_SECRET,
        ttlSeconds: config.JWT_TTL_SECONDS,
        tokenVersionOf: (userId) => sessions.tokenVersion(userId),
      }),
      sessions,
      throttle: createAuthThrottle(createAuthLimiters(config, redis), {
        onRateLimited: (limit) => usersMetrics.authRateLimited.inc({ limit }),
      }),
      logger,
      metrics,
      health,
      internalAuthKey: config.INTERNAL_AUTH_KEY,
      internalAuthMaxAgeSeconds: config.INTERNAL_AUTH_MAX_AGE_SECONDS,
      ...subgraphServerSwitches(config),
    });
    const port = await app.listen(config.USERS_PORT, config.HOST);
    if (config.metricsPort !== undefined) await app.listenMetrics(config.metricsPort, config.HOST);
    logger.info({ port, shards: config.shards.describe }, "users subgraph listening");
    return {
      app,
      users,
      port,
      async stop() {
        await app.close();
        await cacheConsumer?.stop();
        await consumer?.stop();
        await closeRedis();
        await storage.close();
      },
    };
  } catch (err) {
    await cacheConsumer?.stop();
    await consumer?.stop();
    await closeRedis();
    await storage.close();
    throw err;
  }
}
