import { print, type GraphQLResolveInfo } from "graphql";
import type { Redis } from "ioredis";
import type { EventBus } from "@plaza/events";
import { createHealth, createLogger, type BaseContext, type SubgraphServer } from "@plaza/kit";
import { buildRouter, type Router } from "../src/app.ts";
import type { ResponseCachePolicy } from "../src/cache/cache-policy.ts";
import { createCacheRedisClient } from "../src/cache/response-cache-from-config.ts";
import { createRouterResponseCache, type RouterResponseCache } from "../src/cache/response-cache.ts";
import { createRouterMetrics, type RouterMetrics } from "../src/metrics.ts";
import { composeSupergraph } from "../src/schema/compose.ts";
import { startTestSubgraph } from "./test-subgraph.ts";

export const JWT_SECRET = "cache-e2e-jwt-secret-0123456789abcdefghij";
const INTERNAL_AUTH_KEY = "cache-e2e-internal-key-0123456789abcdefgh";
export const logger = createLogger({ service: "cache-e2e", level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** Two subgraphs: `User` is resolved by both, so a `user` query costs one fetch to each. */
const accountsSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    name: String!
  }
  type Query {
    me: User
    user(id: ID!): User
    userByName(name: String!): User
    flaky: String
  }
  type Mutation {
    rename(id: ID!, name: String!): User!
    "Returns no entity: only the cache policy knows what it changes."
    touch(id: ID!): Boolean!
  }
`;

const notesSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    notes: [String!]!
  }
`;

/** In-memory data behind the fake subgraphs, with fetch counters and an optional gate that holds fetches. */
class FakeUsers {
  names = new Map<string, string>([
    ["u1", "Ada"],
    ["u2", "Brian"],
  ]);
  fetches = { accounts: 0, notes: 0 };
  /** The `user` field exactly as the accounts subgraph received it, last request first. */
  userSelections: string[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  hold() {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }
  release() {
    this.openGate?.();
    this.gate = undefined;
  }
  async pass() {
    await this.gate;
  }
}

export interface FakeSubgraphs {
  users: FakeUsers;
  supergraphSdl: string;
  urls: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeSubgraphs(): Promise<FakeSubgraphs> {
  const users = new FakeUsers();
  const user = (id: string) => (users.names.has(id) ? { id, name: users.names.get(id)! } : null);
  const servers: SubgraphServer[] = [];
  const start = async (service: string, sdl: string, resolvers: Record<string, unknown>) => {
    const { server, url } = await startTestSubgraph({ service, sdl, resolvers, internalAuthKey: INTERNAL_AUTH_KEY, logger });
    servers.push(server);
    return url;
  };
  const accountsUrl = await start("accounts", accountsSdl, {
    Query: {
      me: async (_: unknown, __: unknown, ctx: BaseContext) => {
        users.fetches.accounts++;
        await users.pass();
        return ctx.viewerId ? user(ctx.viewerId) : null;
      },
      user: async (_: unknown, args: { id: string }, __: unknown, info: GraphQLResolveInfo) => {
        users.fetches.accounts++;
        users.userSelections.unshift(print(info.fieldNodes[0]!));
        await users.pass();
        return user(args.id);
      },
      userByName: (_: unknown, args: { name: string }) => {
        users.fetches.accounts++;
        const id = [...users.names].find(([, name]) => name === args.name)?.[0];
        return id ? user(id) : null;
      },
      flaky: () => {
        throw new Error("flaky subgraph failure");
      },
    },
    Mutation: {
      rename: (_: unknown, args: { id: string; name: string }) => {
        users.names.set(args.id, args.name);
        return user(args.id);
      },
      touch: (_: unknown, args: { id: string }) => {
        users.names.set(args.id, `${users.names.get(args.id)}!`);
        return true;
      },
    },
  });
  const notesUrl = await start("notes", notesSdl, {
    User: {
      __resolveReference: async (ref: { id: string }) => {
        users.fetches.notes++;
        await users.pass();
        return { id: ref.id };
      },
      notes: (u: { id: string }) => [`note of ${u.id}`],
    },
  });
  const composed = composeSupergraph([
    { name: "accounts", url: "http://accounts.invalid/graphql", sdl: accountsSdl },
    { name: "notes", url: "http://notes.invalid/graphql", sdl: notesSdl },
  ]);
  if (!composed.ok) throw new Error(`composition failed: ${JSON.stringify(composed.errors)}`);
  return {
    users,
    supergraphSdl: composed.supergraphSdl,
    urls: { accounts: accountsUrl, notes: notesUrl },
    close: async () => {
      users.release();
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

function testPolicy(): ResponseCachePolicy {
  return {
    defaultTtlMs: 60_000,
    defaultScope: "PUBLIC",
    ttl: { "Query.flaky": 60_000 },
    private: ["Query.me"],
    idFields: ["id"],
    mutations: { "Mutation.touch": ({ args }) => [{ typename: "User", id: String(args.id) }] },
  };
}

export interface CacheTestRouter {
  router: Router;
  cache: RouterResponseCache;
  metrics: RouterMetrics;
  url: string;
  redis?: Redis;
  /** POST /graphql with the cache debug header; returns status, JSON body, the cache outcome and raw parts. */
  query(body: unknown, headers?: Record<string, string>): Promise<CachedResponse>;
  close(): Promise<void>;
}

interface CachedResponse {
  status: number;
  cache: string | null;
  json: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  text: string;
  headers: Headers;
}

export async function startCacheTestRouter(
  subgraphs: FakeSubgraphs,
  opts: {
    redisUrl?: string;
    keyPrefix?: string;
    bus?: EventBus;
    instanceId?: string;
    fastPath?: boolean;
    subgraphDedupe?: boolean;
  } = {},
): Promise<CacheTestRouter> {
  const metrics = createRouterMetrics({ defaultMetrics: false });
  const redis = opts.redisUrl ? createCacheRedisClient({ url: opts.redisUrl, commandTimeoutMs: 2_000, logger }) : undefined;
  const cache = createRouterResponseCache({
    policy: testPolicy(),
    metrics,
    logger,
    l1MaxBytes: 1_000_000,
    redis: redis && { client: redis, keyPrefix: opts.keyPrefix ?? "cache-e2e:" },
    // Generous: a busy test machine must not turn L2 reads into misses.
    redisReadTimeoutMs: 2_000,
    events: opts.bus && { bus: opts.bus, instanceId: opts.instanceId ?? "router-a", topics: ["plaza.users.v1"] },
    fastPath: opts.fastPath,
    maxBodyBytes: 16_384,
  });
  await cache.consuming;
  const router = await buildRouter({
    supergraphSdl: subgraphs.supergraphSdl,
    subgraphUrls: subgraphs.urls,
    jwtSecret: JWT_SECRET,
    internalAuthKey: INTERNAL_AUTH_KEY,
    logger,
    metrics,
    health: createHealth(),
    maxBodyBytes: 16_384,
    subgraphTimeoutMs: 10_000,
    plugins: cache.plugins,
    wrapHttpHandler: cache.wrapHttpHandler,
    subgraphFetchDedupe: { enabled: opts.subgraphDedupe ?? true, epoch: cache.invalidationEpoch },
  });
  const url = `http://127.0.0.1:${await router.listen(0)}/graphql`;
  return {
    router,
    cache,
    metrics,
    url,
    redis,
    async query(body, headers = {}) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-plaza-cache-debug": "1", ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, cache: res.headers.get("x-plaza-cache"), json: JSON.parse(text), text, headers: res.headers };
    },
    async close() {
      await router.close();
      await cache.close();
      redis?.disconnect();
    },
  };
}

/** Current value of a counter with the given labels. */
export async function counterValue(
  counter: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> },
  labels: Record<string, string>,
) {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}
