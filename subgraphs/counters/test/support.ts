import { randomBytes, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { createEvent, createInProcessEventBus, createKafkaEventBus, PostCreated, type EventBus } from "@plaza/events";
import { createLogger, INTERNAL_AUTH_HEADER, signInternalIdentity } from "@plaza/kit";
import { createTestDatabase, testInfra, uniqueName, waitFor, type TestDatabase } from "@plaza/testkit";
import { loadCountersConfig } from "../src/env.ts";
import { startCountersService, type CountersService } from "../src/service.ts";

interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string; retryAfterSeconds?: number } }>;
}

export interface RunningCounters {
  service: CountersService;
  bus: EventBus;
  env: Record<string, string>;
  url: string;
  /**
   * A GraphQL request signed like the router signs it, as `viewerId` (null: anonymous). Extra `headers` may steer
   * it off the fast lane (an `origin` sends it through yoga's pipeline).
   */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    viewerId?: string | null,
    headers?: Record<string, string>,
  ): Promise<GqlResult<T>>;
  /** A graphql-ws client authenticated like the router's upstream connection. */
  wsClient(viewerId?: string | null): Client;
  stop(): Promise<void>;
}

export interface Deployment {
  /** Settings shared by every instance of this deployment. */
  env: Record<string, string>;
  databases: TestDatabase[];
  drop(): Promise<void>;
}

/** A counters deployment on fresh test databases, the run's Kafka, and the given Redis (default: the run's, under a unique prefix). */
export async function createDeployment(
  opts: { redisUrl?: string; shards?: number; env?: Record<string, string> } = {},
): Promise<Deployment> {
  const databases = await Promise.all(Array.from({ length: opts.shards ?? 2 }, () => createTestDatabase("counters")));
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    INTERNAL_AUTH_KEY: randomBytes(32).toString("hex"),
    COUNTERS_PORT: "0",
    COUNTERS_DATABASE_SHARD_URLS: databases.map((db) => db.url).join(","),
    // Few buckets so a handful of keys lands on every shard.
    COUNTERS_BUCKET_COUNT: "16",
    KAFKA_BROKERS: testInfra().kafkaBrokers.join(","),
    KAFKA_GROUP_PREFIX: `${uniqueName("counters")}.`,
    REDIS_URL: opts.redisUrl ?? testInfra().redisUrl,
    REDIS_KEY_PREFIX: `${uniqueName("counters")}:`,
    COUNTERS_WARM_CHECK_MS: "200",
    ...opts.env,
  };
  return { env, databases, drop: async () => void (await Promise.all(databases.map((db) => db.drop()))) };
}

/** One instance of the counters service, with its own event bus, as `main()` wires it. */
export async function startInstance(
  env: Record<string, string>,
  deps: { redis?: Redis; bus?: EventBus } = {},
): Promise<RunningCounters> {
  const config = loadCountersConfig(env);
  const logger = createLogger({ service: "counters-test", level: env.LOG_LEVEL ?? "silent" });
  const bus =
    deps.bus ??
    (config.KAFKA_BROKERS.length > 0
      ? createKafkaEventBus({
          brokers: config.KAFKA_BROKERS,
          logger,
          groupIdPrefix: config.KAFKA_GROUP_PREFIX,
          consumer: { maxWaitTimeMs: 100 },
        })
      : createInProcessEventBus({ logger }));
  const service = await startCountersService(config, { bus, logger, redis: deps.redis });
  const url = `http://127.0.0.1:${service.port}/graphql`;
  /** What the router signs: exactly one HTTP body, or a graphql-ws connection, for the counters subgraph. */
  const sign = (viewerId: string | null, body?: string) =>
    signInternalIdentity(
      config.INTERNAL_AUTH_KEY,
      { viewerId },
      body === undefined ? { subgraph: "counters", purpose: "graphql-ws" } : { subgraph: "counters", body },
    );
  const clients = new Set<Client>();
  return {
    service,
    bus,
    env,
    url,
    async gql(query, variables, viewerId = null, headers = {}) {
      const body = JSON.stringify({ query, variables });
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json",
          [INTERNAL_AUTH_HEADER]: sign(viewerId, body),
          ...headers,
        },
        body,
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    wsClient(viewerId = null) {
      const client = createClient({
        url: url.replace("http", "ws"),
        webSocketImpl: WebSocket,
        connectionParams: () => ({ [INTERNAL_AUTH_HEADER]: sign(viewerId) }),
        retryAttempts: 0,
      });
      clients.add(client);
      return client;
    },
    async stop() {
      await Promise.all([...clients].map((client) => client.dispose()));
      await service.stop();
      if (!deps.bus) await bus.close();
    },
  };
}

/** Collects a subscription's payloads until `dispose()`. */
export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown>) {
  const received: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.data) received.push(value.data as T);
        if (value.errors) errors.push(...value.errors);
      },
      error: (error) => errors.push(error),
      complete: () => {
        completed = true;
      },
    },
  );
  return { received, errors, completed: () => completed, dispose };
}

/** Active counterChanged subscriptions of an instance (the subscription is live once this counts it). */
export async function activeSubscriptions(service: CountersService): Promise<number> {
  const metric = await service.metrics.registry.getSingleMetric("plaza_counters_active_subscriptions")?.get();
  return metric?.values[0]?.value ?? 0;
}

export const INCREMENT = `mutation ($input: IncrementCounterInput!) { incrementCounter(input: $input) { resourceId type value } }`;
export const COUNTER = `query ($id: ID!, $type: CounterType!) { counter(resourceId: $id, type: $type) { value } }`;
export const COUNTERS = `query ($keys: [CounterKey!]!) { counters(keys: $keys) { resourceId type value } }`;
export const LIKE = `mutation ($id: ID!) { likePost(postId: $id) { id likeCount viewCount viewerHasLiked } }`;
export const UNLIKE = `mutation ($id: ID!) { unlikePost(postId: $id) { id likeCount viewerHasLiked } }`;
export const POST_ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { id likeCount viewCount viewerHasLiked } } }`;
export const COUNTER_CHANGED = `subscription ($id: ID!, $type: CounterType!) { counterChanged(resourceId: $id, type: $type) { resourceId type value } }`;

/** Records a live post straight into the instance's post projection (as PostCreated would); returns its id. */
export async function seedPost(instance: RunningCounters, postId: string = randomUUID()): Promise<string> {
  await instance.service.posts.recordCreated({ postId, authorId: "author-1", createdAt: new Date() });
  return postId;
}

/** A viewer nobody else uses: increments by fresh viewers are never rate-limited. */
export const freshViewer = () => `viewer-${randomUUID()}`;

/** Announces a post as the posts subgraph would, and waits until the instance's projection knows it. */
export async function createPost(instance: RunningCounters, postId: string = randomUUID()): Promise<string> {
  await instance.bus.publish([
    createEvent(PostCreated, postId, { postId, authorId: "author-1", body: "hello", createdAt: new Date().toISOString() }),
  ]);
  await waitFor(async () => (await instance.gql(LIKE, { id: postId }, "probe")).errors === undefined, {
    timeoutMs: 30_000,
    description: `post ${postId} projected`,
  });
  await instance.gql(UNLIKE, { id: postId }, "probe");
  return postId;
}
