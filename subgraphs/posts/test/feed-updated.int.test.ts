import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { createEvent, Followed, type EventBus } from "@plaza/events";
import { createLogger, INTERNAL_AUTH_HEADER, signInternalIdentity } from "@plaza/kit";
import { createEventBusFromConfig } from "@plaza/runtime";
import { newId, randomBucket } from "@plaza/sharding";
import { createTestDatabase, testInfra, uniqueName, waitFor, type TestDatabase } from "@plaza/testkit";
import { loadPostsConfig } from "../src/env.ts";
import { startPostsService, type PostsService } from "../src/service.ts";

const logger = createLogger({ service: "test", level: process.env.TEST_LOG_LEVEL ?? "silent" });
const FEED_UPDATED = "subscription { feedUpdated { id body createdAt author { id } } }";

interface Received {
  data?: { feedUpdated: { id: string; body: string; author: { id: string } } };
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/**
 * Two posts instances (as two processes would run: own bus, own Redis connections) on the same shards, Redis and
 * Kafka: a viewer subscribed on one instance hears of posts written through the other.
 */
describe("Subscription.feedUpdated across two posts instances (Postgres, Redis pub/sub, Kafka)", () => {
  const internalAuthKey = randomBytes(32).toString("hex");
  let databases: TestDatabase[];
  let buses: EventBus[];
  let instances: PostsService[];
  let eventsBus: EventBus;
  const clients: Client[] = [];
  const user = () => newId(randomBucket(1024));

  beforeAll(async () => {
    databases = await Promise.all([createTestDatabase("posts_ws"), createTestDatabase("posts_ws")]);
    const env = {
      NODE_ENV: "test",
      POSTS_PORT: "0",
      INTERNAL_AUTH_KEY: internalAuthKey,
      POSTS_DATABASE_SHARD_URLS: databases.map((db) => db.url).join(","),
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(","),
      KAFKA_GROUP_PREFIX: `${uniqueName("posts-ws")}.`,
      REDIS_URL: testInfra().redisUrl,
      REDIS_KEY_PREFIX: `${uniqueName("posts-ws")}:`,
    };
    const config = loadPostsConfig(env);
    const newBus = () =>
      createEventBusFromConfig({
        kafkaBrokers: config.KAFKA_BROKERS,
        clientId: "posts-ws-test",
        logger,
        groupIdPrefix: config.KAFKA_GROUP_PREFIX,
      });
    buses = [newBus(), newBus()];
    // Sequential: both run migrations at start; the advisory lock serializes them anyway.
    instances = [];
    for (const bus of buses) instances.push(await startPostsService(config, { bus, logger }));
    eventsBus = newBus();
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
    for (const instance of instances ?? []) await instance.stop();
    await Promise.allSettled([...(buses ?? []), eventsBus].map((bus) => bus?.close()));
    await Promise.all((databases ?? []).map((db) => db.drop()));
  });

  /** What the router signs: a graphql-ws connection, or exactly one HTTP body, for the posts subgraph. */
  const signed = (viewerId: string | null, body?: string) =>
    signInternalIdentity(
      internalAuthKey,
      { viewerId },
      body === undefined ? { subgraph: "posts", purpose: "graphql-ws" } : { subgraph: "posts", body },
    );

  function subscribe(instance: PostsService, viewerId: string | null, params?: Record<string, unknown>) {
    const received: Received[] = [];
    const closed: Array<{ code?: number }> = [];
    const client = createClient({
      url: `ws://127.0.0.1:${instance.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: params ?? { [INTERNAL_AUTH_HEADER]: signed(viewerId) },
      retryAttempts: 0,
      on: { closed: (event) => closed.push(event as { code?: number }) },
    });
    clients.push(client);
    client.subscribe<Received["data"]>(
      { query: FEED_UPDATED },
      {
        next: (result) => received.push(result as Received),
        error: (error) =>
          received.push({ errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }] }),
        complete: () => undefined,
      },
    );
    return { received, closed };
  }

  async function activeSubscriptions(instance: PostsService): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text();
    return Number(/^plaza_posts_feed_subscriptions (\d+)/m.exec(text)?.[1] ?? 0);
  }

  async function createPost(instance: PostsService, authorId: string, body: string): Promise<string> {
    const payload = JSON.stringify({
      query: "mutation ($body: String!) { createPost(input: { body: $body }) { id } }",
      variables: { body },
    });
    const response = await fetch(`http://127.0.0.1:${instance.port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", [INTERNAL_AUTH_HEADER]: signed(authorId, payload) },
      body: payload,
    });
    const result = (await response.json()) as { data?: { createPost: { id: string } }; errors?: unknown };
    expect(result.errors).toBeUndefined();
    return result.data!.createPost.id;
  }

  async function follow(followerId: string, followeeId: string) {
    await eventsBus.publish([
      createEvent(Followed, followerId, { followerId, followeeId, followedAt: new Date().toISOString() }),
    ]);
    await waitFor(async () => (await instances[0]!.follows.followersAmong(followeeId, [followerId])).length === 1, {
      timeoutMs: 60_000,
      description: "follow projected",
    });
  }

  it("delivers a post written through one instance to a follower subscribed on the other, and only to followers", async () => {
    const [author, otherAuthor, viewer, bystander] = [user(), user(), user(), user()];
    await follow(viewer, author);
    await follow(bystander, otherAuthor);
    const [a, b] = instances as [PostsService, PostsService];
    const before = await activeSubscriptions(b);
    const viewerStream = subscribe(b, viewer);
    const bystanderStream = subscribe(b, bystander);
    await waitFor(async () => (await activeSubscriptions(b)) === before + 2, {
      timeoutMs: 30_000,
      description: "two subscriptions on instance B",
    });

    const postId = await createPost(a, author, "written on A");
    await waitFor(() => viewerStream.received.length === 1, { timeoutMs: 60_000, description: "feedUpdated on B" });
    expect(viewerStream.received[0]).toEqual({
      data: { feedUpdated: { id: postId, body: "written on A", createdAt: expect.any(String), author: { id: author } } },
    });
    // Instance B handled that post for every local subscriber at once; a post the bystander may see comes later.
    const otherPostId = await createPost(b, otherAuthor, "for the bystander");
    await waitFor(() => bystanderStream.received.length === 1, { timeoutMs: 60_000, description: "bystander's post" });
    expect(bystanderStream.received.map((r) => r.data?.feedUpdated.id)).toEqual([otherPostId]);
    expect(viewerStream.received).toHaveLength(1);
    // The durable path agrees: the post is in the follower's timeline (in Redis) too.
    expect((await b.timelines.page(viewer, 10, null)).entries.map((e) => e.postId)).toContain(postId);
  });

  it("refuses anonymous subscribers and connections without the router's signature", async () => {
    const anonymous = subscribe(instances[0]!, null);
    await waitFor(() => anonymous.received.length === 1, { timeoutMs: 30_000, description: "error for an anonymous subscriber" });
    expect(anonymous.received[0]!.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    const unsigned = subscribe(instances[0]!, null, { authorization: "Bearer whatever" });
    await waitFor(() => unsigned.closed.length > 0, { timeoutMs: 30_000, description: "unsigned connection closed" });
    expect(unsigned.closed[0]!.code).toBe(4403);
    expect(unsigned.received.filter((r) => r.data)).toEqual([]);
  });

  it("ends the upstream subscription when the client leaves", async () => {
    const instance = instances[1]!;
    const before = await activeSubscriptions(instance);
    const viewer = user();
    const client = createClient({
      url: `ws://127.0.0.1:${instance.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { [INTERNAL_AUTH_HEADER]: signed(viewer) },
      retryAttempts: 0,
    });
    const unsubscribe = client.subscribe(
      { query: FEED_UPDATED },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    await waitFor(async () => (await activeSubscriptions(instance)) === before + 1, {
      timeoutMs: 30_000,
      description: "subscription open",
    });
    unsubscribe();
    await waitFor(async () => (await activeSubscriptions(instance)) === before, {
      timeoutMs: 30_000,
      description: "subscription closed",
    });
    await client.dispose();
  });
});
