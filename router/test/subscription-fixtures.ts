// Small real subgraphs and clients for the router's subscription tests: a "live" subgraph owning the
// Subscription fields (fed by a test-controlled pub/sub, in memory or over Redis) and an "extras" subgraph
// contributing entity fields, so every event needs `rest` resolution across subgraphs.
import { parse } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { Redis } from "ioredis";
import { WebSocket } from "ws";
import {
  createHealth,
  createLogger,
  createMetrics,
  createSubgraphServer,
  unauthenticated,
  type BaseContext,
  type SubgraphServer,
} from "@plaza/kit";
import { buildRouter, type Router } from "../src/app.ts";
import { createRouterMetrics, type RouterMetrics } from "../src/metrics.ts";
import { composeSupergraph } from "../src/schema/compose.ts";
import type { SubscriptionOptions } from "../src/subscriptions/subscription-options.ts";

export const JWT_SECRET = "subs-jwt-secret-0123456789abcdefghijklmnop";
const INTERNAL_AUTH_KEY = "subs-internal-key-0123456789abcdefghijklm";
const logger = createLogger({ service: "subscriptions-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });

const liveSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    liveInfo: String
  }
  type Item @key(fields: "id") {
    id: ID!
    channel: String!
    title: String!
    "Padding, to make events as large as a test needs."
    padding: String
    owner: User
  }
  type User @key(fields: "id", resolvable: false) {
    id: ID!
  }
  type Subscription {
    itemAdded(channel: String!): Item!
    "Configured public in the tests' router: shared across viewers, resolved anonymously."
    publicItemAdded(channel: String!): Item!
    "Requires a viewer: the items published for them."
    myItems: Item!
  }
  type Mutation {
    publish(channel: String!, title: String!, ownerId: ID, paddingBytes: Int): Item!
  }
`;

const extrasSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    extrasInfo: String
  }
  type Item @key(fields: "id") {
    id: ID!
    score: Int!
    "The viewer the router forwarded for this fetch: shows whose identity resolved the event."
    seenBy: ID
  }
  type User @key(fields: "id") {
    id: ID!
    name: String!
  }
`;

interface Item {
  id: string;
  channel: string;
  title: string;
  padding?: string | null;
  owner?: { id: string } | null;
}

/** What the live subgraph subscribes to and publishes through; `active()` counts open subgraph-side streams. */
export interface TestPubSub {
  publish(topic: string, item: Item): Promise<void>;
  subscribe(topic: string): AsyncIterableIterator<Item>;
  active(): number;
  close(): Promise<void>;
}

/** A hand-written iterator over pushed values, closed by return(). */
function topicIterator(onClose: () => void): { iterator: AsyncIterableIterator<Item>; push(item: Item): void } {
  const queue: Item[] = [];
  let waiter: ((r: IteratorResult<Item>) => void) | undefined;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    onClose();
    waiter?.({ done: true, value: undefined });
    waiter = undefined;
  };
  const iterator: AsyncIterableIterator<Item> = {
    next: () => {
      const item = queue.shift();
      if (item) return Promise.resolve({ done: false, value: item });
      if (done) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => (waiter = resolve));
    },
    return: () => {
      finish();
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    iterator,
    push(item) {
      if (done) return;
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w({ done: false, value: item });
      } else queue.push(item);
    },
  };
}

export function createMemoryPubSub(): TestPubSub {
  const topics = new Map<string, Set<(item: Item) => void>>();
  let active = 0;
  return {
    async publish(topic, item) {
      for (const push of topics.get(topic) ?? []) push(item);
    },
    subscribe(topic) {
      active++;
      const set = topics.get(topic) ?? new Set();
      topics.set(topic, set);
      const { iterator, push } = topicIterator(() => {
        active--;
        set.delete(push);
      });
      set.add(push);
      return iterator;
    },
    active: () => active,
    async close() {},
  };
}

/** Several live-subgraph instances on one Redis: an event published through any instance reaches all. */
export async function createRedisPubSub(redisUrl: string, prefix: string): Promise<TestPubSub> {
  const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const local = createMemoryPubSub();
  await subscriber.psubscribe(`${prefix}*`);
  subscriber.on("pmessage", (_pattern, channel: string, message: string) => {
    void local.publish(channel.slice(prefix.length), JSON.parse(message) as Item);
  });
  return {
    publish: async (topic, item) => {
      await publisher.publish(`${prefix}${topic}`, JSON.stringify(item));
    },
    subscribe: (topic) => local.subscribe(topic),
    active: () => local.active(),
    async close() {
      await Promise.all([publisher.quit(), subscriber.quit()]);
    },
  };
}

export interface LiveSubgraph {
  server: SubgraphServer;
  url: string;
  port: number;
  pubsub: TestPubSub;
  published: number;
  stop(): Promise<void>;
}

let itemSeq = 0;

export async function startLiveSubgraph(pubsub: TestPubSub, port = 0): Promise<LiveSubgraph> {
  const metrics = createMetrics("live", { defaultMetrics: false });
  const state = { published: 0 };
  const server = createSubgraphServer<BaseContext>({
    service: "live",
    typeDefs: parse(liveSdl),
    resolvers: {
      Query: { liveInfo: () => "live" },
      Mutation: {
        publish: async (_: unknown, args: { channel: string; title: string; ownerId?: string; paddingBytes?: number }) => {
          const item: Item = {
            id: `item-${process.pid}-${++itemSeq}`,
            channel: args.channel,
            title: args.title,
            padding: args.paddingBytes ? "x".repeat(args.paddingBytes) : null,
            owner: args.ownerId ? { id: args.ownerId } : null,
          };
          state.published++;
          await pubsub.publish(`channel:${args.channel}`, item);
          if (args.ownerId) await pubsub.publish(`owner:${args.ownerId}`, item);
          return item;
        },
      },
      Subscription: {
        itemAdded: {
          subscribe: (_: unknown, args: { channel: string }) => pubsub.subscribe(`channel:${args.channel}`),
          resolve: (item: Item) => item,
        },
        publicItemAdded: {
          subscribe: (_: unknown, args: { channel: string }) => pubsub.subscribe(`channel:${args.channel}`),
          resolve: (item: Item) => item,
        },
        myItems: {
          subscribe: (_: unknown, __: unknown, ctx: BaseContext) => {
            if (!ctx.viewerId) throw unauthenticated("Sign in to follow your items");
            return pubsub.subscribe(`owner:${ctx.viewerId}`);
          },
          resolve: (item: Item) => item,
        },
      },
      Item: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, channel: "?", title: "?" }) },
    } as never,
    logger,
    metrics,
    health: createHealth(),
    internalAuthKey: INTERNAL_AUTH_KEY,
    context: (base) => base,
  });
  const bound = await server.listen(port);
  return {
    server,
    url: `http://127.0.0.1:${bound}/graphql`,
    port: bound,
    pubsub,
    get published() {
      return state.published;
    },
    stop: () => server.close(),
  };
}

export interface ExtrasSubgraph {
  server: SubgraphServer;
  url: string;
  /** `score` resolutions so far: one per event per resolution group. */
  scoreResolutions: number;
  stop(): Promise<void>;
}

export async function startExtrasSubgraph(): Promise<ExtrasSubgraph> {
  const counts = { score: 0 };
  const server = createSubgraphServer<BaseContext>({
    service: "extras",
    typeDefs: parse(extrasSdl),
    resolvers: {
      Query: { extrasInfo: () => "extras" },
      Item: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        score: (item: { id: string }) => {
          counts.score++;
          return item.id.length;
        },
        seenBy: (_: unknown, __: unknown, ctx: BaseContext) => ctx.viewerId,
      },
      User: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        name: (user: { id: string }) => `name of ${user.id}`,
      },
    } as never,
    logger,
    metrics: createMetrics("extras", { defaultMetrics: false }),
    health: createHealth(),
    internalAuthKey: INTERNAL_AUTH_KEY,
    context: (base) => base,
  });
  const port = await server.listen(0);
  return {
    server,
    url: `http://127.0.0.1:${port}/graphql`,
    get scoreResolutions() {
      return counts.score;
    },
    stop: () => server.close(),
  };
}

function composeTestSupergraph(): string {
  const composed = composeSupergraph([
    { name: "live", url: "http://live.invalid/graphql", sdl: liveSdl },
    { name: "extras", url: "http://extras.invalid/graphql", sdl: extrasSdl },
  ]);
  if (!composed.ok) throw new Error(`composition failed: ${JSON.stringify(composed.errors)}`);
  return composed.supergraphSdl;
}

export interface TestRouter {
  router: Router;
  metrics: RouterMetrics;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export async function startTestRouter(opts: {
  liveUrl: string;
  extrasUrl: string;
  subscriptions?: Partial<SubscriptionOptions>;
}): Promise<TestRouter> {
  const metrics = createRouterMetrics({ defaultMetrics: false });
  const router = await buildRouter({
    supergraphSdl: composeTestSupergraph(),
    subgraphUrls: { live: opts.liveUrl, extras: opts.extrasUrl },
    jwtSecret: JWT_SECRET,
    internalAuthKey: INTERNAL_AUTH_KEY,
    logger,
    metrics,
    health: createHealth(),
    subgraphTimeoutMs: 10_000,
    // Every test client connects from 127.0.0.1: the per-address cap on anonymous connections is tested on its own.
    subscriptions: {
      publicFields: ["publicItemAdded"],
      retryMaxDelayMs: 500,
      maxAnonymousConnectionsPerIp: 100_000,
      ...opts.subscriptions,
    },
  });
  const port = await router.listen(0);
  return {
    router,
    metrics,
    httpUrl: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    stop: () => router.close(),
  };
}

export interface GraphQLPayload {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A graphql-ws client that never retries, so closes and errors are observable as they happen. */
export function wsClient(
  url: string,
  connectionParams?: Record<string, unknown>,
): Client & { closes: Array<{ code: number; reason: string }> } {
  const closes: Array<{ code: number; reason: string }> = [];
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        const e = event as { code: number; reason: string };
        closes.push({ code: e.code, reason: String(e.reason) });
      },
    },
  });
  return Object.assign(client, { closes });
}

export interface Subscription {
  events: GraphQLPayload[];
  error?: unknown;
  completed: boolean;
  dispose(): void;
}

export function subscribe(client: Client, query: string, variables?: Record<string, unknown>): Subscription {
  const sub: Subscription = { events: [], completed: false, dispose: () => undefined };
  sub.dispose = client.subscribe<Record<string, unknown>>(
    { query, variables },
    {
      next: (value) => sub.events.push(value as GraphQLPayload),
      error: (err) => {
        sub.error = err;
      },
      complete: () => {
        sub.completed = true;
      },
    },
  );
  return sub;
}

export async function post(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GraphQLPayload> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLPayload;
}

export const PUBLISH = /* GraphQL */ `
  mutation Publish($channel: String!, $title: String!, $ownerId: ID, $paddingBytes: Int) {
    publish(channel: $channel, title: $title, ownerId: $ownerId, paddingBytes: $paddingBytes) {
      id
    }
  }
`;

/** Reads a metric's current value (sum over label sets) from the router's registry. */
export async function metricValue(metrics: RouterMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

export interface RawSocket {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed?: { code: number; reason: string };
  send(message: unknown): void;
}

/** A graphql-transport-ws socket driven by hand, for protocol-level tests. */
export async function rawSocket(url: string, opts: { autoPong?: boolean } = {}): Promise<RawSocket> {
  const ws = new WebSocket(url, "graphql-transport-ws", { autoPong: opts.autoPong ?? true });
  const raw: RawSocket = {
    ws,
    messages: [],
    send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
  };
  ws.on("message", (data) => raw.messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  ws.on("close", (code, reason) => {
    raw.closed = { code, reason: reason.toString() };
  });
  ws.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return raw;
}

export interface SseSubscription {
  status: number;
  events: GraphQLPayload[];
  completed: boolean;
  abort(): void;
}

/** GraphQL over SSE (distinct connections mode): one POST per subscription, events parsed as they arrive. */
export async function sseSubscribe(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<SseSubscription> {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const sub: SseSubscription = { status: res.status, events: [], completed: false, abort: () => controller.abort() };
  if (!res.body || !res.headers.get("content-type")?.includes("text/event-stream")) {
    const text = await res.text();
    sub.events.push(JSON.parse(text) as GraphQLPayload);
    sub.completed = true;
    return sub;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trim())
            .join("\n");
          if (event === "next" && data) sub.events.push(JSON.parse(data) as GraphQLPayload);
          if (event === "complete") sub.completed = true;
        }
      }
    } catch {
      // aborted
    }
    sub.completed = true;
  })();
  return sub;
}
