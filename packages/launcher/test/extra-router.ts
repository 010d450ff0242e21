import { readFile } from "node:fs/promises";
import { createHealth, createLogger } from "@plaza/kit";
import {
  buildRouter,
  createResponseCacheFromConfig,
  createRouterMetrics,
  startRevocationConsumer,
  type Router,
  type RouterResponseCache,
} from "@plaza/router";
import { loadRouterConfig } from "@plaza/router/env";
import { Topics } from "@plaza/events";
import type { TestStack } from "./test-stack.ts";

export interface ExtraRouter {
  router: Router;
  cache: RouterResponseCache;
  url: string;
  /** POST with the cache debug header; `cache` is the x-plaza-cache outcome. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<{
    status: number;
    cache: string | null;
    data?: T | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  }>;
  stop(): Promise<void>;
}

/**
 * Another router instance over the same subgraphs, Redis and Kafka as `stack` (as a second replica would run),
 * with its own ROUTER_INSTANCE_ID and so its own invalidation consumer group.
 */
export async function startExtraRouter(
  stack: TestStack,
  instanceId: string,
  /** Called before the cache consumes anything (events may arrive as soon as its consumer joins). */
  observe?: (cache: RouterResponseCache) => void,
): Promise<ExtraRouter> {
  const config = loadRouterConfig({
    ROUTER_SESSION_SUBGRAPH: "users",
    ...stack.env,
    ROUTER_INSTANCE_ID: instanceId,
    ROUTER_PORT: "0",
  });
  const logger = createLogger({ service: `router-${instanceId}`, level: stack.env.LOG_LEVEL ?? "silent" });
  const metrics = createRouterMetrics({ defaultMetrics: false });
  const responseCache = createResponseCacheFromConfig(config, { logger, metrics, bus: stack.bus });
  const cache = responseCache.cache!;
  observe?.(cache);
  await cache.consuming;
  const router = await buildRouter({
    supergraphSdl: await readFile(config.supergraphPath, "utf8"),
    subgraphUrls: Object.fromEntries([...stack.router.subgraphs].map(([name, source]) => [name, source.url])),
    jwtSecret: config.jwtSecret,
    jwtMaxTtlSeconds: config.jwtMaxTtlSeconds,
    sessions: config.sessions,
    verifiedTokens: cache.verifiedTokens,
    internalAuthKey: config.internalAuthKey,
    subscriptions: config.subscriptions,
    logger,
    metrics,
    health: createHealth(),
    plugins: cache.plugins,
    wrapHttpHandler: cache.wrapHttpHandler,
    subgraphFetchDedupe: { enabled: true, epoch: cache.invalidationEpoch },
  });
  // As routerFromConfig wires it: this instance's own group on the users topic.
  const revocations = config.sessions
    ? startRevocationConsumer({
        bus: stack.bus,
        instanceId,
        topic: Topics.users,
        revoke: (revocation) => router.authenticator.revoke(revocation),
        logger,
      })
    : undefined;
  await revocations?.joined;
  const url = `http://127.0.0.1:${await router.listen(0)}/graphql`;
  return {
    router,
    cache,
    url,
    gql: (query, variables, token) => cachedGql(url, query, variables, token),
    async stop() {
      await router.close();
      await revocations?.stop();
      await responseCache.close();
    },
  };
}

export async function cachedGql<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-plaza-cache-debug": "1",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: T | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
  return { status: response.status, cache: response.headers.get("x-plaza-cache"), ...body };
}

/**
 * Resolves when `cache` has consumed a domain event matching `match`; rejects after `timeoutMs`. Create it before
 * causing the event, await it after.
 */
export function consumed(
  cache: RouterResponseCache,
  match: (event: { type: string; aggregateId: string; id: string }) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching invalidation event consumed within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = cache.onInvalidated((notice) => {
      if (notice.event && match(notice.event)) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}
