import { describe, expect, it } from "vitest";
import { EnvError } from "@plaza/kit";
import { loadRouterConfig } from "./env.ts";
import { DEFAULT_OPERATION_LIMITS } from "./limits/operation-limits.ts";
import { DEFAULT_SUPERGRAPH_PATH } from "./paths.ts";
import { SUBSCRIPTION_DEFAULTS } from "./subscriptions/subscription-options.ts";

const secrets = { JWT_SECRET: "j".repeat(32), INTERNAL_AUTH_KEY: "k".repeat(32) };

function problemsOf(source: Record<string, string>): string[] {
  try {
    loadRouterConfig(source);
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return [];
}

describe("loadRouterConfig", () => {
  it("applies defaults", () => {
    expect(loadRouterConfig(secrets)).toEqual({
      port: 4000,
      host: "127.0.0.1",
      supergraphPath: DEFAULT_SUPERGRAPH_PATH,
      jwtSecret: secrets.JWT_SECRET,
      internalAuthKey: secrets.INTERNAL_AUTH_KEY,
      jwtMaxTtlSeconds: 30 * 24 * 3600,
      sessions: undefined,
      subgraphUrls: {},
      logLevel: "info",
      nodeEnv: "development",
      graphiql: true,
      subgraphTimeoutMs: 10_000,
      subgraphMaxConnections: 128,
      maxBodyBytes: 1_048_576,
      httpFastLane: true,
      singleFetchDirect: true,
      inboundDedupe: true,
      trustedProxies: 0,
      subscriptions: SUBSCRIPTION_DEFAULTS,
      cache: {
        instanceId: expect.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
        redisUrl: undefined,
        redisKeyPrefix: "plaza:",
        kafkaBrokers: [],
        kafkaGroupPrefix: "",
        responseCache: {
          enabled: true,
          l1MaxBytes: 64 * 1024 * 1024,
          defaultTtlMs: 60_000,
          defaultScope: "AUTO",
          redisTimeoutMs: 100,
          fastPath: true,
        },
        subgraphFetchDedupe: true,
      },
      security: {
        limits: DEFAULT_OPERATION_LIMITS,
        maxJsonDepth: 64,
        csrfPrevention: true,
        introspection: true,
        fieldSuggestions: true,
        corsOrigins: "*",
        cacheDebugHeader: true,
        rateLimits: { perViewer: 100, perAddress: 100, windowMs: 1_000 },
        apq: { enabled: true, ttlSeconds: 86_400 },
        trustedDocumentsPath: undefined,
        trustedDocumentsOnly: false,
      },
    });
  });

  it("is safe by default in production: no introspection, suggestions, debug header or cross-origin access", () => {
    expect(loadRouterConfig({ ...secrets, NODE_ENV: "production" }).security).toMatchObject({
      introspection: false,
      fieldSuggestions: false,
      cacheDebugHeader: false,
      corsOrigins: [],
      csrfPrevention: true,
      limits: DEFAULT_OPERATION_LIMITS,
    });
    const enabled = loadRouterConfig({
      ...secrets,
      NODE_ENV: "production",
      ROUTER_INTROSPECTION: "true",
      ROUTER_FIELD_SUGGESTIONS: "1",
      ROUTER_CORS_ORIGINS: "https://app.example.com, http://localhost:3000",
      ROUTER_MAX_DEPTH: "0",
    }).security;
    expect(enabled).toMatchObject({
      introspection: true,
      fieldSuggestions: true,
      corsOrigins: ["https://app.example.com", "http://localhost:3000"],
      limits: { maxDepth: 0 },
    });
    expect(
      problemsOf({ ...secrets, ROUTER_CORS_ORIGINS: "app.example.com", ROUTER_MAX_COST: "-1" })
        .map((p) => p.split(":")[0])
        .sort(),
    ).toEqual(["ROUTER_CORS_ORIGINS", "ROUTER_MAX_COST"]);
    expect(problemsOf({ ...secrets, ROUTER_TRUSTED_DOCUMENTS_ONLY: "true" }).map((p) => p.split(":")[0])).toEqual([
      "ROUTER_TRUSTED_DOCUMENTS_ONLY",
    ]);
  });

  it("reads the cache settings and rejects an unusable instance id", () => {
    const config = loadRouterConfig({
      ...secrets,
      ROUTER_INSTANCE_ID: "router-7",
      REDIS_URL: "redis://127.0.0.1:6379",
      KAFKA_BROKERS: "a:9092, b:9092",
      RESPONSE_CACHE_ENABLED: "false",
      RESPONSE_CACHE_DEFAULT_SCOPE: "PRIVATE",
      SUBGRAPH_FETCH_DEDUPE: "0",
    });
    expect(config.cache).toMatchObject({
      instanceId: "router-7",
      redisUrl: "redis://127.0.0.1:6379",
      kafkaBrokers: ["a:9092", "b:9092"],
      responseCache: { enabled: false, defaultScope: "PRIVATE" },
      subgraphFetchDedupe: false,
    });
    expect(
      problemsOf({ ...secrets, ROUTER_INSTANCE_ID: "has space", REDIS_URL: "http://x" })
        .map((p) => p.split(":")[0])
        .sort(),
    ).toEqual(["REDIS_URL", "ROUTER_INSTANCE_ID"]);
  });

  it("reads overrides, subgraph URLs included, and disables GraphiQL outside development", () => {
    const config = loadRouterConfig({
      ...secrets,
      ROUTER_PORT: "0",
      NODE_ENV: "production",
      SUPERGRAPH_PATH: "/srv/supergraph.graphql",
      SUBGRAPH_URL_USERS: "http://users.internal:8080/graphql",
      SUBGRAPH_URL_USER_PROFILES: "https://profiles.internal/graphql",
      SUBGRAPH_URL_POSTS: "",
      SUBGRAPH_TIMEOUT_MS: "2500",
    });
    expect(config).toMatchObject({
      port: 0,
      graphiql: false,
      supergraphPath: "/srv/supergraph.graphql",
      subgraphTimeoutMs: 2500,
      subgraphUrls: { USERS: "http://users.internal:8080/graphql", USER_PROFILES: "https://profiles.internal/graphql" },
    });
  });

  it("reads the token lifetime cap and session checks", () => {
    const config = loadRouterConfig({
      ...secrets,
      JWT_MAX_TTL_SECONDS: "3600",
      ROUTER_SESSION_SUBGRAPH: "users",
      ROUTER_SESSION_CHECK_TTL_MS: "5000",
    });
    expect(config.jwtMaxTtlSeconds).toBe(3600);
    expect(config.sessions).toEqual({ subgraph: "users", checkTtlMs: 5000 });
    // Empty means unset: signature and lifetime only.
    expect(loadRouterConfig({ ...secrets, ROUTER_SESSION_SUBGRAPH: "" }).sessions).toBeUndefined();
    expect(
      problemsOf({ ...secrets, JWT_MAX_TTL_SECONDS: "0", ROUTER_SESSION_SUBGRAPH: "users;drop" })
        .map((p) => p.split(":")[0])
        .sort(),
    ).toEqual(["JWT_MAX_TTL_SECONDS", "ROUTER_SESSION_SUBGRAPH"]);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({
      JWT_SECRET: "short",
      ROUTER_PORT: "70000",
      SUBGRAPH_URL_USERS: "not a url",
      SUBGRAPH_URL_bad: "http://x/graphql",
      MAX_BODY_BYTES: "-1",
    });
    const keys = problems.map((p) => p.split(":")[0]).sort();
    expect(keys).toEqual([
      "INTERNAL_AUTH_KEY",
      "JWT_SECRET",
      "MAX_BODY_BYTES",
      "ROUTER_PORT",
      "SUBGRAPH_URL_USERS",
      "SUBGRAPH_URL_bad",
    ]);
    expect(problems.find((p) => p.startsWith("JWT_SECRET"))).toContain("at least 32 characters");
    expect(problems.find((p) => p.startsWith("SUBGRAPH_URL_USERS"))).toContain("http(s) URL");
  });
});
