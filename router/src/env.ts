import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { envFields, loadEnv, loadEnvOrExit } from "@plaza/kit";
import { cacheConfigFrom, cacheEnvFields, type RouterCacheConfig } from "./cache/cache-env.ts";
import { DEFAULT_SUPERGRAPH_PATH } from "./paths.ts";
import { securityConfigFrom, securityEnvFields, type RouterSecurityConfig } from "./security-env.ts";
import { SUBSCRIPTION_DEFAULTS as SUBS, type SubscriptionOptions } from "./subscriptions/subscription-options.ts";

/** SUBGRAPH_URL_USERS=http://… overrides the URL the supergraph names for subgraph `users`. */
const SUBGRAPH_URL_PREFIX = "SUBGRAPH_URL_";
const SUBGRAPH_URL_KEY = /^SUBGRAPH_URL_[A-Z0-9_]+$/;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const httpUrl = () => z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const baseSchema = z.object({
  ROUTER_PORT: envFields.port(4000),
  ROUTER_HOST: envFields.host(),
  /** Unset: /metrics on ROUTER_PORT; set: only on this port (keep it internal). */
  ROUTER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SUPERGRAPH_PATH: z.string().default(DEFAULT_SUPERGRAPH_PATH),
  JWT_SECRET: envFields.secret("JWT_SECRET"),
  INTERNAL_AUTH_KEY: envFields.secret("INTERNAL_AUTH_KEY"),
  /** Longest token lifetime (exp - iat) accepted; at least the users subgraph's JWT_TTL_SECONDS. */
  JWT_MAX_TTL_SECONDS: positiveInt(30 * 24 * 3600),
  /** The subgraph answering `_sessionActive` (Plaza: users); unset → tokens are checked by signature and lifetime only. */
  ROUTER_SESSION_SUBGRAPH: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/, "must be a subgraph name")
    .optional(),
  ROUTER_SESSION_CHECK_TTL_MS: positiveInt(60_000),
  LOG_LEVEL: envFields.logLevel(),
  NODE_ENV: envFields.nodeEnv(),
  SUBGRAPH_TIMEOUT_MS: positiveInt(10_000),
  SUBGRAPH_MAX_CONNECTIONS: positiveInt(128),
  MAX_BODY_BYTES: positiveInt(1_048_576),
  ROUTER_HTTP_FAST_LANE: envFields.bool(true),
  ROUTER_SINGLE_FETCH_DIRECT: envFields.bool(true),
  ROUTER_INBOUND_DEDUPE: envFields.bool(true),
  /** Our own proxies in front of the router: X-Forwarded-For entries (from the right) believed for the client's address. */
  ROUTER_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  /** Comma-separated root subscription fields shared across viewers (resolved as the anonymous viewer). */
  ROUTER_PUBLIC_SUBSCRIPTIONS: z
    .string()
    .regex(/^[\w.,\s]*$/, "must be a comma-separated list of field names")
    .default(""),
  ROUTER_WS_MAX_CONNECTIONS_PER_USER: positiveInt(SUBS.maxConnectionsPerUser),
  ROUTER_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: positiveInt(SUBS.maxSubscriptionsPerConnection),
  ROUTER_WS_MAX_ANONYMOUS_CONNECTIONS_PER_IP: positiveInt(SUBS.maxAnonymousConnectionsPerIp),
  ROUTER_WS_MAX_ANONYMOUS_SUBSCRIPTIONS_PER_CONNECTION: positiveInt(SUBS.maxAnonymousSubscriptionsPerConnection),
  ROUTER_WS_PING_INTERVAL_MS: positiveInt(SUBS.pingIntervalMs),
  ROUTER_WS_MAX_MESSAGE_BYTES: positiveInt(SUBS.maxMessageBytes),
  ROUTER_WS_MAX_BUFFERED_BYTES: positiveInt(SUBS.maxBufferedBytes),
  ROUTER_SUBSCRIPTION_MAX_QUEUED_EVENTS: positiveInt(SUBS.maxQueuedEvents),
  ROUTER_SUBSCRIPTION_RETRY_ATTEMPTS: positiveInt(SUBS.retryAttempts),
  ROUTER_SUBSCRIPTION_RETRY_MAX_DELAY_MS: positiveInt(SUBS.retryMaxDelayMs),
  ...securityEnvFields,
  ...cacheEnvFields,
});

export interface RouterConfig {
  port: number;
  host: string;
  /** /metrics on a port of its own (undefined: on `port`). */
  metricsPort?: number;
  /** Absolute path of the supergraph SDL file. */
  supergraphPath: string;
  jwtSecret: string;
  internalAuthKey: string;
  jwtMaxTtlSeconds: number;
  /** Session checks against a subgraph (undefined: signature and lifetime only). */
  sessions?: { subgraph: string; checkTtlMs: number };
  /** Keyed by the env spelling of the subgraph name (USERS); buildRouter matches names the same way. */
  subgraphUrls: Record<string, string>;
  logLevel: z.infer<typeof baseSchema>["LOG_LEVEL"];
  nodeEnv: z.infer<typeof baseSchema>["NODE_ENV"];
  graphiql: boolean;
  subgraphTimeoutMs: number;
  subgraphMaxConnections: number;
  maxBodyBytes: number;
  /** Plain POST queries and mutations skip yoga's fetch-API layer. */
  httpFastLane: boolean;
  /** Single-fetch operations are answered with the subgraph's data, without the gateway's result shaping. */
  singleFetchDirect: boolean;
  /** Identical queries in flight at once (same body and credentials) share one execution and its bytes. */
  inboundDedupe: boolean;
  /** Trusted proxy hops for the client's address (0: the socket's peer only). */
  trustedProxies: number;
  subscriptions: SubscriptionOptions;
  /** Response cache, its Redis level and invalidation events, subgraph fetch deduplication. */
  cache: RouterCacheConfig;
  /** Operation limits, CSRF, CORS, introspection, persisted operations. */
  security: RouterSecurityConfig;
}

/**
 * The subgraph override keys are only known from the environment itself, so the schema is extended with one
 * URL field per SUBGRAPH_URL_* key present: a bad override is reported with every other problem at once.
 */
function routerEnvSchema(source: Record<string, string | undefined>) {
  // Empty values mean "unset", as everywhere in kit's loadEnv.
  const overrideKeys = Object.keys(source).filter((key) => key.startsWith(SUBGRAPH_URL_PREFIX) && source[key]);
  const overrides = Object.fromEntries(
    overrideKeys.map((key) => [
      key,
      SUBGRAPH_URL_KEY.test(key) ? httpUrl() : z.never({ error: "subgraph name must use A-Z, 0-9 and _ only" }),
    ]),
  );
  // Typed as the base shape: the override keys are read back by name below.
  const schema = baseSchema.extend(overrides) as unknown as typeof baseSchema;
  return schema.transform((env, ctx): RouterConfig => {
    if (env.ROUTER_TRUSTED_DOCUMENTS_ONLY && !env.ROUTER_TRUSTED_DOCUMENTS) {
      ctx.addIssue({
        code: "custom",
        path: ["ROUTER_TRUSTED_DOCUMENTS_ONLY"],
        message: "needs ROUTER_TRUSTED_DOCUMENTS (the manifest of trusted documents)",
      });
    }
    const subgraphUrls: Record<string, string> = {};
    for (const key of overrideKeys) {
      const value = (env as Record<string, unknown>)[key];
      if (typeof value === "string") subgraphUrls[key.slice(SUBGRAPH_URL_PREFIX.length)] = value;
    }
    return {
      port: env.ROUTER_PORT,
      host: env.ROUTER_HOST,
      metricsPort: env.ROUTER_METRICS_PORT,
      supergraphPath: isAbsolute(env.SUPERGRAPH_PATH) ? env.SUPERGRAPH_PATH : resolve(process.cwd(), env.SUPERGRAPH_PATH),
      jwtSecret: env.JWT_SECRET,
      internalAuthKey: env.INTERNAL_AUTH_KEY,
      jwtMaxTtlSeconds: env.JWT_MAX_TTL_SECONDS,
      sessions: env.ROUTER_SESSION_SUBGRAPH
        ? { subgraph: env.ROUTER_SESSION_SUBGRAPH, checkTtlMs: env.ROUTER_SESSION_CHECK_TTL_MS }
        : undefined,
      subgraphUrls,
      logLevel: env.LOG_LEVEL,
      nodeEnv: env.NODE_ENV,
      graphiql: env.NODE_ENV === "development",
      subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
      subgraphMaxConnections: env.SUBGRAPH_MAX_CONNECTIONS,
      maxBodyBytes: env.MAX_BODY_BYTES,
      httpFastLane: env.ROUTER_HTTP_FAST_LANE,
      singleFetchDirect: env.ROUTER_SINGLE_FETCH_DIRECT,
      inboundDedupe: env.ROUTER_INBOUND_DEDUPE,
      trustedProxies: env.ROUTER_TRUSTED_PROXIES,
      subscriptions: {
        ...SUBS,
        publicFields: env.ROUTER_PUBLIC_SUBSCRIPTIONS.split(",")
          .map((field) => field.trim())
          .filter(Boolean),
        maxConnectionsPerUser: env.ROUTER_WS_MAX_CONNECTIONS_PER_USER,
        maxSubscriptionsPerConnection: env.ROUTER_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
        maxAnonymousConnectionsPerIp: env.ROUTER_WS_MAX_ANONYMOUS_CONNECTIONS_PER_IP,
        maxAnonymousSubscriptionsPerConnection: env.ROUTER_WS_MAX_ANONYMOUS_SUBSCRIPTIONS_PER_CONNECTION,
        pingIntervalMs: env.ROUTER_WS_PING_INTERVAL_MS,
        maxMessageBytes: env.ROUTER_WS_MAX_MESSAGE_BYTES,
        maxBufferedBytes: env.ROUTER_WS_MAX_BUFFERED_BYTES,
        maxQueuedEvents: env.ROUTER_SUBSCRIPTION_MAX_QUEUED_EVENTS,
        retryAttempts: env.ROUTER_SUBSCRIPTION_RETRY_ATTEMPTS,
        retryMaxDelayMs: env.ROUTER_SUBSCRIPTION_RETRY_MAX_DELAY_MS,
      },
      cache: cacheConfigFrom(env),
      security: securityConfigFrom(env),
    };
  });
}

/** Throws kit's EnvError listing every problem (tests use this). */
export function loadRouterConfig(source: Record<string, string | undefined> = process.env): RouterConfig {
  return loadEnv("router", routerEnvSchema(source), source);
}

/** For main(): one clear message and exit 1 on bad configuration. */
export function loadRouterConfigOrExit(source: Record<string, string | undefined> = process.env): RouterConfig {
  return loadEnvOrExit("router", routerEnvSchema(source), source);
}
