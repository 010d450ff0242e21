import { hostname } from "node:os";
import { z } from "zod";
import { envFields } from "@plaza/kit";
import type { ResponseCachePolicy } from "./cache-policy.ts";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const defaultInstanceId = () =>
  hostname()
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .slice(0, 64) || "router";

/** The router's caching settings (merged into the router's env schema, so every problem is reported at once). */
export const cacheEnvFields = {
  /** Names this instance's invalidation consumer group; keep it stable across restarts (e.g. the pod name). */
  ROUTER_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'")
    .default(defaultInstanceId),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  REDIS_KEY_PREFIX: z.string().default("plaza:"),
  KAFKA_BROKERS: envFields.csv().default([]),
  KAFKA_GROUP_PREFIX: z.string().default(""),
  RESPONSE_CACHE_ENABLED: envFields.bool(true),
  RESPONSE_CACHE_L1_MAX_BYTES: positiveInt(64 * 1024 * 1024),
  RESPONSE_CACHE_DEFAULT_TTL_MS: positiveInt(60_000),
  RESPONSE_CACHE_DEFAULT_SCOPE: z.enum(["AUTO", "PUBLIC", "PRIVATE"]).default("AUTO"),
  RESPONSE_CACHE_REDIS_TIMEOUT_MS: positiveInt(100),
  RESPONSE_CACHE_FAST_PATH: envFields.bool(true),
  SUBGRAPH_FETCH_DEDUPE: envFields.bool(true),
};

export interface RouterCacheConfig {
  instanceId: string;
  redisUrl?: string;
  redisKeyPrefix: string;
  kafkaBrokers: string[];
  kafkaGroupPrefix: string;
  responseCache: {
    enabled: boolean;
    l1MaxBytes: number;
    defaultTtlMs: number;
    defaultScope: ResponseCachePolicy["defaultScope"];
    redisTimeoutMs: number;
    fastPath: boolean;
  };
  subgraphFetchDedupe: boolean;
}

type CacheEnv = z.infer<z.ZodObject<typeof cacheEnvFields>>;

export function cacheConfigFrom(env: CacheEnv): RouterCacheConfig {
  return {
    instanceId: env.ROUTER_INSTANCE_ID,
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    kafkaBrokers: env.KAFKA_BROKERS,
    kafkaGroupPrefix: env.KAFKA_GROUP_PREFIX,
    responseCache: {
      enabled: env.RESPONSE_CACHE_ENABLED,
      l1MaxBytes: env.RESPONSE_CACHE_L1_MAX_BYTES,
      defaultTtlMs: env.RESPONSE_CACHE_DEFAULT_TTL_MS,
      defaultScope: env.RESPONSE_CACHE_DEFAULT_SCOPE,
      redisTimeoutMs: env.RESPONSE_CACHE_REDIS_TIMEOUT_MS,
      fastPath: env.RESPONSE_CACHE_FAST_PATH,
    },
    subgraphFetchDedupe: env.SUBGRAPH_FETCH_DEDUPE,
  };
}
