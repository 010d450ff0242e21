import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent, PostDeleted } from "@plaza/events";
import { waitFor } from "@plaza/testkit";
import {
  activeSubscriptions,
  COUNTER,
  COUNTER_CHANGED,
  COUNTERS,
  createDeployment,
  createPost as createPostIn,
  freshViewer,
  INCREMENT,
  LIKE,
  POST_ENTITIES,
  seedPost,
  startInstance,
  subscribe,
  UNLIKE,
  type Deployment,
  type RunningCounters,
} from "./support.ts";

type CounterData = { incrementCounter: { value: number } };

describe("counters subgraph on Postgres shards, Kafka and Redis", () => {
  let deployment: Deployment;
  let a: RunningCounters;

  beforeAll(async () => {
    deployment = await createDeployment({
      env: {
        COUNTER_MAX_DELTA: "100",
        COUNTERS_VIEW_RATE_LIMIT: "100",
        COUNTERS_SHARE_RATE_LIMIT: "100",
        COUNTER_UPDATES_PER_SECOND: "5",
      },
    });
    a = await startInstance(deployment.env);
  });
  afterAll(async () => {
    await a?.stop();
    await deployment?.drop();
  });

  /** A view (or `extra.type`) by a fresh viewer unless one is given: never rate-limited unless a test means it. */
  const increment = (
    resourceId: string,
    delta: number,
    extra: Record<string, unknown> = {},
    viewerId: string | null = freshViewer(),
  ) => a.gql<CounterData>(INCREMENT, { input: { resourceId, type: "VIEW", delta, ...extra } }, viewerId);
  const counterValue = async (resourceId: string, type = "VIEW") =>
    (await a.gql<{ counter: { value: number } }>(COUNTER, { id: resourceId, type })).data?.counter.value;
  /** The durable copy's value of a counter (Postgres, written behind the log). */
  const persisted = async (resourceId: string, type: "LIKE" | "VIEW" | "SHARE" = "VIEW") =>
    (await a.service.snapshots.read(a.service.log.id, [{ resourceId, type }]))[0]!;

  const createPost = () => createPostIn(a);
  const post = () => seedPost(a);

  it("answers zero for a counter never touched, and the new value for an increment", async () => {
    const id = await post();
    expect(await counterValue(id)).toBe(0);
    expect((await increment(id, 3)).data?.incrementCounter.value).toBe(3);
    expect((await increment(id, 2, { type: "SHARE" })).data?.incrementCounter.value).toBe(2);
    expect((await increment(id, 1)).data?.incrementCounter.value).toBe(4);
    expect(await counterValue(id)).toBe(4);
  });

  it("counts 500 concurrent increments of one counter (500 viewers) exactly, in Redis and in Postgres", async () => {
    const id = await post();
    const results = await Promise.all(Array.from({ length: 500 }, () => increment(id, 1)));
    expect(results.filter((r) => r.errors)).toEqual([]);
    expect(new Set(results.map((r) => r.data?.incrementCounter.value)).size).toBe(500);
    expect(await counterValue(id)).toBe(500);
    await waitFor(async () => (await persisted(id)).value === 500, { timeoutMs: 30_000, description: "500 persisted" });
  });

  it("reads 100 counters in one Redis round trip, in the order asked", async () => {
    const ids = Array.from({ length: 100 }, () => randomUUID());
    await Promise.all(ids.slice(0, 10).map((id) => seedPost(a, id)));
    await Promise.all(ids.slice(0, 10).map((id, i) => increment(id, i + 1)));
    const before = a.service.store.roundTrips("read");
    const result = await a.gql<{ counters: Array<{ resourceId: string; value: number }> }>(COUNTERS, {
      keys: ids.map((resourceId) => ({ resourceId, type: "VIEW" })),
    });
    expect(a.service.store.roundTrips("read") - before).toBe(1);
    expect(result.data?.counters.map((c) => c.resourceId)).toEqual(ids);
    expect(result.data?.counters.map((c) => c.value)).toEqual(ids.map((_, i) => (i < 10 ? i + 1 : 0)));
  });

  describe("idempotency keys", () => {
    it("counts a repeated key once and answers with the current value", async () => {
      const id = await post();
      const key = randomUUID();
      const viewer = freshViewer();
      expect((await increment(id, 5, { idempotencyKey: key }, viewer)).data?.incrementCounter.value).toBe(5);
      expect((await increment(id, 5, { idempotencyKey: key }, viewer)).data?.incrementCounter.value).toBe(5);
      const other = freshViewer();
      const concurrent = await Promise.all(
        Array.from({ length: 20 }, () => increment(id, 5, { idempotencyKey: "burst" }, other)),
      );
      expect(concurrent.filter((r) => r.errors)).toEqual([]);
      expect(await counterValue(id)).toBe(10);
      await waitFor(async () => (await persisted(id)).value === 10, { timeoutMs: 30_000, description: "10 persisted" });
    });

    it("rejects a key reused with a different delta with IDEMPOTENCY_KEY_REUSED", async () => {
      const id = await post();
      const viewer = freshViewer();
      await increment(id, 1, { idempotencyKey: "k" }, viewer);
      const reused = await increment(id, 2, { idempotencyKey: "k" }, viewer);
      expect(reused.errors?.[0]?.extensions).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", field: "idempotencyKey" });
      expect(await counterValue(id)).toBe(1);
    });

    it("keeps keys of different viewers apart", async () => {
      const id = await post();
      await increment(id, 1, { idempotencyKey: "same" }, "user-a");
      await increment(id, 1, { idempotencyKey: "same" }, "user-b");
      expect(await counterValue(id)).toBe(2);
    });
  });

  describe("who may change which counter", () => {
    it("refuses an anonymous incrementCounter with UNAUTHENTICATED and counts nothing", async () => {
      const id = await post();
      for (const type of ["VIEW", "SHARE"]) {
        const result = await a.gql(INCREMENT, { input: { resourceId: id, type, delta: 1 } }, null);
        expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        expect(result.data).toBeNull();
      }
      // Anonymous callers had one shared idempotency namespace: it is gone with them.
      const keyed = await a.gql(INCREMENT, { input: { resourceId: id, type: "VIEW", delta: 1, idempotencyKey: "k" } }, null);
      expect(keyed.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(await counterValue(id)).toBe(0);
      expect(await counterValue(id, "SHARE")).toBe(0);
    });

    it("refuses LIKE through incrementCounter with FORBIDDEN (likes go through likePost), the like count unchanged", async () => {
      const id = await post();
      await a.gql(LIKE, { id }, "liker");
      const viewer = freshViewer();
      for (const delta of [1, 100, -1]) {
        const result = await a.gql(INCREMENT, { input: { resourceId: id, type: "LIKE", delta } }, viewer);
        expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
        expect(result.errors?.[0]?.message).toMatch(/likePost/);
      }
      expect(await counterValue(id, "LIKE")).toBe(1);
      const entities = await a.gql<{ _entities: Array<{ likeCount: number }> }>(POST_ENTITIES, {
        reps: [{ __typename: "Post", id }],
      });
      expect(entities.data?._entities[0]?.likeCount).toBe(1);
    });

    it("refuses a negative delta with BAD_USER_INPUT: nobody takes views or shares away", async () => {
      const id = await post();
      await increment(id, 5, { type: "SHARE" });
      const result = await increment(id, -3, { type: "SHARE" });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "delta" });
      expect(await counterValue(id, "SHARE")).toBe(5);
    });

    it("answers NOT_FOUND for a resource that is not a live post, and counts nothing", async () => {
      const unknown = randomUUID();
      const result = await increment(unknown, 1);
      expect(result.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      expect(await counterValue(unknown)).toBe(0);

      const deleted = await post();
      await a.service.posts.recordDeleted({ postId: deleted, authorId: "author-1", deletedAt: new Date() });
      expect((await increment(deleted, 1, { type: "SHARE" })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      expect(await counterValue(deleted, "SHARE")).toBe(0);
    });
  });

  describe("rate limit per viewer and post", () => {
    // The product's defaults (one view per viewer and post per minute, ten shares per hour), on the same deployment.
    let limited: RunningCounters;
    beforeAll(async () => {
      limited = await startInstance({
        ...deployment.env,
        COUNTER_MAX_DELTA: "1",
        COUNTERS_VIEW_RATE_LIMIT: "1",
        COUNTERS_VIEW_RATE_WINDOW_MS: "60000",
        COUNTERS_SHARE_RATE_LIMIT: "10",
        COUNTERS_SHARE_RATE_WINDOW_MS: "3600000",
      });
    });
    afterAll(async () => {
      await limited?.stop();
    });
    const incrementOn = (resourceId: string, type: string, viewerId: string, extra: Record<string, unknown> = {}) =>
      limited.gql<CounterData>(INCREMENT, { input: { resourceId, type, delta: 1, ...extra } }, viewerId);

    it("counts one view per viewer and post per minute: RATE_LIMITED with retryAfterSeconds, others unaffected", async () => {
      const [id, other] = [await post(), await post()];
      const viewer = freshViewer();
      expect((await incrementOn(id, "VIEW", viewer)).data?.incrementCounter.value).toBe(1);
      const again = await incrementOn(id, "VIEW", viewer);
      expect(again.data).toBeNull();
      expect(again.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
      const retryAfter = again.errors?.[0]?.extensions?.retryAfterSeconds;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // A flood changes nothing, for the counter or for the wait.
      const flood = await Promise.all(Array.from({ length: 20 }, () => incrementOn(id, "VIEW", viewer)));
      expect(flood.every((r) => r.errors?.[0]?.extensions?.code === "RATE_LIMITED")).toBe(true);
      expect(await counterValue(id)).toBe(1);
      // Another viewer of the same post, the same viewer on another post or sharing: each its own allowance.
      expect((await incrementOn(id, "VIEW", freshViewer())).data?.incrementCounter.value).toBe(2);
      expect((await incrementOn(other, "VIEW", viewer)).data?.incrementCounter.value).toBe(1);
      expect((await incrementOn(id, "SHARE", viewer)).data?.incrementCounter.value).toBe(1);
    });

    it("lets ten shares through in a burst, then refuses", async () => {
      const id = await post();
      const viewer = freshViewer();
      const results = await Promise.all(Array.from({ length: 15 }, () => incrementOn(id, "SHARE", viewer)));
      expect(results.filter((r) => !r.errors)).toHaveLength(10);
      expect(results.filter((r) => r.errors?.[0]?.extensions?.code === "RATE_LIMITED")).toHaveLength(5);
      expect(await counterValue(id, "SHARE")).toBe(10);
    });

    it("answers a retried request with the same idempotencyKey instead of rate-limiting it", async () => {
      const id = await post();
      const viewer = freshViewer();
      const first = await incrementOn(id, "VIEW", viewer, { idempotencyKey: "view-1" });
      expect(first.data?.incrementCounter.value).toBe(1);
      const replays = await Promise.all(
        Array.from({ length: 5 }, () => incrementOn(id, "VIEW", viewer, { idempotencyKey: "view-1" })),
      );
      expect(replays.map((r) => r.errors)).toEqual(replays.map(() => undefined));
      expect(replays.map((r) => r.data?.incrementCounter.value)).toEqual([1, 1, 1, 1, 1]);
      // A new key is a new view: refused, and its key not burnt (a retry after the wait may count).
      const fresh = await incrementOn(id, "VIEW", viewer, { idempotencyKey: "view-2" });
      expect(fresh.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
      const retried = await incrementOn(id, "VIEW", viewer, { idempotencyKey: "view-2" });
      expect(retried.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
      expect(await counterValue(id)).toBe(1);
    });

    it("counts refusals in plaza_counters_rate_limited_total", async () => {
      const metric = await limited.service.metrics.registry.getSingleMetric("plaza_counters_rate_limited_total")?.get();
      const total = (type: string) => metric?.values.find((v) => v.labels.type === type)?.value ?? 0;
      expect(total("VIEW")).toBeGreaterThan(0);
      expect(total("SHARE")).toBeGreaterThan(0);
    });
  });

  describe("bad input", () => {
    it.each([
      ["a delta of 0", { type: "VIEW", delta: 0 }],
      ["a delta beyond COUNTER_MAX_DELTA", { type: "VIEW", delta: 101 }],
      ["a negative delta", { type: "SHARE", delta: -1 }],
    ])("rejects %s with BAD_USER_INPUT and counts nothing", async (_, input) => {
      const id = await post();
      const result = await a.gql(INCREMENT, { input: { resourceId: id, ...input } }, freshViewer());
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "delta" });
      expect(result.data).toBeNull();
      expect(await counterValue(id, input.type)).toBe(0);
    });

    it("rejects an unknown CounterType as a GraphQL validation error", async () => {
      const literal = await a.gql(`{ counter(resourceId: "x", type: CLICK) { value } }`);
      expect(literal.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      const variable = await a.gql(COUNTER, { id: "x", type: "CLICK" });
      expect(variable.errors?.[0]?.message).toMatch(/CounterType/);
      expect(variable.data).toBeUndefined();
    });

    it("rejects counters(keys:) beyond COUNTERS_BATCH_LIMIT with BAD_USER_INPUT", async () => {
      const keys = Array.from({ length: 501 }, (_, i) => ({ resourceId: `r${i}`, type: "VIEW" }));
      const result = await a.gql(COUNTERS, { keys });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "keys" });
    });

    it("rejects an empty or oversized resourceId with BAD_USER_INPUT", async () => {
      expect((await increment("", 1)).errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "resourceId" });
      expect((await a.gql(COUNTER, { id: "x".repeat(300), type: "VIEW" })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    });

    describe("control characters", () => {
      const REFUSED = {
        errors: [
          {
            message: "input.resourceId must not contain control characters or unpaired surrogates",
            extensions: { field: "input.resourceId", code: "BAD_USER_INPUT" },
          },
        ],
      };
      const BROWSER = { origin: "http://a.test" };
      const incrementLiteral = (resourceId: string) =>
        `mutation { incrementCounter(input: { resourceId: ${JSON.stringify(resourceId)}, type: VIEW, delta: 1 }) { value } }`;

      it("refuses a NUL in resourceId, in variables and as a literal, on the lane and on yoga's path, and counts nothing", async () => {
        const id = await post();
        const bad = `${id}\u0000`;
        const input = { resourceId: bad, type: "VIEW", delta: 1 };
        const answers = [
          await a.gql(INCREMENT, { input }, "user-1"),
          await a.gql(INCREMENT, { input }, "user-1", BROWSER),
          await a.gql(incrementLiteral(bad), {}, "user-1"),
          await a.gql(incrementLiteral(bad), {}, "user-1", BROWSER),
          await a.gql(INCREMENT, { input: { ...input, idempotencyKey: randomUUID() } }, "user-1"),
        ];
        for (const answer of answers) expect(answer).toEqual({ status: 200, ...REFUSED });
        // Nothing reached the hot store, the log or the durable copy, and the write-behind keeps going.
        // Never touched: nothing at all (null), or zero.
        expect((await a.service.store.read([{ resourceId: bad, type: "VIEW" }]))[0] ?? 0).toBe(0);
        expect(await counterValue(id)).toBe(0);
        expect((await increment(id, 1)).data?.incrementCounter.value).toBe(1);
        await waitFor(async () => (await persisted(id)).value === 1, {
          timeoutMs: 30_000,
          description: "the next write persisted",
        });
      });

      it.each([
        ["an escape", "\u001b[2J"],
        ["a C1 control", "\u0085"],
        ["a lone surrogate", "\ud800"],
        ["DEL", "\u007f"],
      ])("refuses %s in resourceId the same way", async (_, char) => {
        const resourceId = `${randomUUID()}${char}`;
        expect(await a.gql(INCREMENT, { input: { resourceId, type: "SHARE", delta: 1 } }, "user-1")).toEqual({
          status: 200,
          ...REFUSED,
        });
      });

      it("refuses a control character in counters(keys:) and in a counterChanged subscription over graphql-ws", async () => {
        const batch = await a.gql(COUNTERS, {
          keys: [
            { resourceId: "ok", type: "VIEW" },
            { resourceId: "x\u0000", type: "VIEW" },
          ],
        });
        expect(batch.errors).toEqual([
          {
            message: "keys[1].resourceId must not contain control characters or unpaired surrogates",
            extensions: { field: "keys[1].resourceId", code: "BAD_USER_INPUT" },
          },
        ]);
        const subscription = subscribe(a.wsClient(), COUNTER_CHANGED, { id: "x\u0000", type: "VIEW" });
        await waitFor(() => subscription.completed() || subscription.errors.length > 0, { description: "the refusal" });
        expect(subscription.errors).toEqual([
          {
            message: "id must not contain control characters or unpaired surrogates",
            extensions: { field: "id", code: "BAD_USER_INPUT" },
          },
        ]);
        expect(subscription.received).toEqual([]);
        subscription.dispose();
      });

      it("keeps tab, LF and CR", async () => {
        const id = await seedPost(a, `${randomUUID()}\t\r\n`);
        expect((await increment(id, 1)).data?.incrementCounter.value).toBe(1);
      });
    });

    it("rejects an unauthenticated likePost with UNAUTHENTICATED", async () => {
      const result = await a.gql(LIKE, { id: randomUUID() });
      expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    });

    it("answers NOT_FOUND for liking an unknown post", async () => {
      const result = await a.gql(LIKE, { id: randomUUID() }, "user-1");
      expect(result.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    });
  });

  describe("likes", () => {
    it("keeps one like per user under 200 concurrent likePost calls", async () => {
      const postId = await createPost();
      const results = await Promise.all(Array.from({ length: 200 }, () => a.gql(LIKE, { id: postId }, "user-200")));
      expect(results.filter((r) => r.errors)).toEqual([]);
      expect(results.every((r) => (r.data as { likePost: { likeCount: number } }).likePost.likeCount === 1)).toBe(true);
      const other = await a.gql<{ likePost: { likeCount: number; viewerHasLiked: boolean } }>(LIKE, { id: postId }, "user-2");
      expect(other.data?.likePost).toMatchObject({ likeCount: 2, viewerHasLiked: true });
      const unliked = await Promise.all(Array.from({ length: 20 }, () => a.gql(UNLIKE, { id: postId }, "user-200")));
      expect(unliked.every((r) => (r.data as { unlikePost: { likeCount: number } }).unlikePost.likeCount === 1)).toBe(true);
      await waitFor(
        async () => {
          const entry = await persisted(postId, "LIKE");
          return entry.value === 1 && entry.likers?.length === 1 && entry.likers[0] === "user-2";
        },
        { timeoutMs: 30_000, description: "likes persisted" },
      );
    });

    it("answers NOT_FOUND for liking a deleted post", async () => {
      const postId = await createPost();
      await a.bus.publish([
        createEvent(PostDeleted, postId, { postId, authorId: "author-1", deletedAt: new Date().toISOString() }),
      ]);
      await waitFor(async () => (await a.gql(LIKE, { id: postId }, "user-1")).errors?.[0]?.extensions?.code === "NOT_FOUND", {
        timeoutMs: 30_000,
        description: "deleted post refused",
      });
      expect((await a.gql(UNLIKE, { id: postId }, "user-1")).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    });

    it("resolves a whole _entities batch of posts in one Redis round trip", async () => {
      const postId = await createPost();
      await a.gql(LIKE, { id: postId }, "viewer");
      await a.gql(INCREMENT, { input: { resourceId: postId, type: "VIEW", delta: 4 } }, "viewer");
      const reps = [postId, ...Array.from({ length: 30 }, () => randomUUID())].map((id) => ({ __typename: "Post", id }));
      // Only the read path counts: the service's background warm checks share the store.
      const before = a.service.store.roundTrips("read_posts");
      const result = await a.gql<{
        _entities: Array<{ id: string; likeCount: number; viewCount: number; viewerHasLiked: boolean }>;
      }>(POST_ENTITIES, { reps }, "viewer");
      expect(a.service.store.roundTrips("read_posts") - before).toBe(1);
      expect(result.data?._entities[0]).toEqual({ id: postId, likeCount: 1, viewCount: 4, viewerHasLiked: true });
      expect(result.data?._entities[1]).toMatchObject({ likeCount: 0, viewCount: 0, viewerHasLiked: false });
      expect(result.data?._entities).toHaveLength(31);
    });
  });

  describe("counterChanged", () => {
    it("delivers new values over graphql-ws, coalesced, the last one always", async () => {
      const id = await post();
      const client = a.wsClient();
      const sub = subscribe<{ counterChanged: { value: number } }>(client, COUNTER_CHANGED, { id, type: "VIEW" });
      await waitFor(async () => (await activeSubscriptions(a.service)) >= 1, { description: "subscription active" });
      for (let i = 0; i < 50; i++) await increment(id, 1);
      await waitFor(() => sub.received.at(-1)?.counterChanged.value === 50, {
        timeoutMs: 10_000,
        description: "last value delivered",
      });
      const values = sub.received.map((r) => r.counterChanged.value);
      // 5 updates per second: 50 quick increments cannot each become a message.
      expect(values.length).toBeLessThan(50);
      expect(values).toEqual([...values].sort((x, y) => x - y));
      expect(sub.errors).toEqual([]);
      sub.dispose();
      await waitFor(async () => (await activeSubscriptions(a.service)) === 0, { description: "subscription closed" });
    });

    it("rejects a connection without the router's signature", async () => {
      const { createClient } = await import("graphql-ws");
      const WebSocket = (await import("ws")).default;
      const client = createClient({ url: a.url.replace("http", "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
      const sub = subscribe(client, COUNTER_CHANGED, { id: "x", type: "VIEW" });
      await waitFor(() => sub.errors.length > 0, { description: "connection refused" });
      expect((sub.errors[0] as { code?: number }).code).toBe(4403);
      await client.dispose();
    });

    it("delivers changes made on another instance of the service", async () => {
      const b = await startInstance(deployment.env);
      try {
        const id = await post();
        const sub = subscribe<{ counterChanged: { value: number } }>(b.wsClient(), COUNTER_CHANGED, { id, type: "SHARE" });
        await waitFor(async () => (await activeSubscriptions(b.service)) >= 1, { description: "subscription active on b" });
        await a.gql(INCREMENT, { input: { resourceId: id, type: "SHARE", delta: 7 } }, freshViewer());
        await waitFor(() => sub.received.at(-1)?.counterChanged.value === 7, { description: "change from instance a reaches b" });
        sub.dispose();
      } finally {
        await b.stop();
      }
    });
  });
});
