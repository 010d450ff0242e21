import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { createHealth, createLogger } from "@plaza/kit";
import { buildRouter, createRouterMetrics, type Router } from "@plaza/router";
import { loadRouterConfig } from "@plaza/router/env";
import { loadCountersConfig } from "@plaza/counters/env";
import { startCountersService, type CountersService } from "@plaza/counters/service";
import { loadPostsConfig } from "@plaza/posts/env";
import { startPostsService, type PostsService } from "@plaza/posts/service";
import { waitFor } from "@plaza/testkit";
import { createCountedPost, newSignUp, startTestStack, type TestStack } from "./test-stack.ts";

// Federated subscriptions over the real stack: feedUpdated (posts) completed with users and counters fields,
// counterChanged (counters) shared between clients, and two routers over two counters instances.
const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id displayName } } }";
const FOLLOW = "mutation ($id: ID!) { follow(userId: $id) { id } }";
const CREATE_POST = "mutation ($body: String!) { createPost(input: { body: $body }) { id } }";
const FEED_UPDATED = "subscription { feedUpdated { id body author { displayName } likeCount } }";
const INCREMENT = "mutation ($id: ID!) { incrementCounter(input: { resourceId: $id, type: VIEW, delta: 1 }) { value } }";
const COUNTER_CHANGED = "subscription ($id: ID!) { counterChanged(resourceId: $id, type: VIEW) { resourceId type value } }";

interface Payload {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

interface Sub {
  events: Payload[];
  ended: boolean;
  dispose(): void;
}

const clients: Client[] = [];

function wsClient(httpUrl: string, token?: string): Client {
  const client = createClient({
    url: httpUrl.replace("http://", "ws://"),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

function subscribe(client: Client, query: string, variables?: Record<string, unknown>): Sub {
  const sub: Sub = { events: [], ended: false, dispose: () => undefined };
  sub.dispose = client.subscribe(
    { query, variables },
    {
      next: (value) => sub.events.push(value as Payload),
      error: () => {
        sub.ended = true;
      },
      complete: () => {
        sub.ended = true;
      },
    },
  );
  return sub;
}

/** SSE (distinct connections): events parsed as they arrive. */
async function sse(url: string, query: string, variables?: Record<string, unknown>) {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const events: Payload[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (/^event: next$/m.test(block) && data) events.push(JSON.parse(data) as Payload);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, abort: () => controller.abort() };
}

describe("federated subscriptions over the Plaza stack", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await stack?.stop();
  });

  async function signUp(prefix: string) {
    const result = await stack.gql<{ signUp: { token: string; user: { id: string; displayName: string } } }>(SIGN_UP, {
      input: newSignUp(prefix),
    });
    expect(result.errors).toBeUndefined();
    return { token: result.data!.signUp.token, ...result.data!.signUp.user };
  }

  const upstreams = () => stack.router.subscriptions.stats().upstream.subscriptions;

  /** Views are counted for live posts, by signed-in viewers: a viewer and a post of theirs to count views of. */
  async function countedPost() {
    const viewer = await signUp("viewer");
    return { token: viewer.token, resourceId: await createCountedPost(stack, viewer.token) };
  }

  it("delivers feedUpdated with fields from posts, users and counters, per viewer", async () => {
    const [author, fan, otherFan] = [await signUp("author"), await signUp("fan"), await signUp("fan")];
    for (const follower of [fan, otherFan])
      expect((await stack.gql(FOLLOW, { id: author.id }, follower.token)).errors).toBeUndefined();
    const before = upstreams();
    const fanSub = subscribe(wsClient(stack.routerUrl, fan.token), FEED_UPDATED);
    const otherSub = subscribe(wsClient(stack.routerUrl, otherFan.token), FEED_UPDATED);
    // Viewer-scoped: one upstream per viewer, never shared.
    await waitFor(() => upstreams() === before + 2, { description: "one upstream subscription per viewer" });

    // Follows reach the posts subgraph through Kafka: post until the live feed knows about them.
    let posted = 0;
    await waitFor(
      async () => {
        if (fanSub.events.length > 0 && otherSub.events.length > 0) return true;
        expect((await stack.gql(CREATE_POST, { body: `hello ${++posted}` }, author.token)).errors).toBeUndefined();
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 500, description: "feedUpdated delivered to both followers" },
    );
    for (const sub of [fanSub, otherSub]) {
      expect(sub.events[0]).toEqual({
        data: {
          feedUpdated: {
            id: expect.any(String),
            body: expect.stringMatching(/^hello \d+$/),
            author: { displayName: author.displayName },
            likeCount: 0,
          },
        },
      });
    }
    fanSub.dispose();
    otherSub.dispose();
    await waitFor(() => upstreams() === before, { description: "upstreams closed with their last client" });
  });

  it("answers feedUpdated without a token with UNAUTHENTICATED and keeps the connection", async () => {
    const client = wsClient(stack.routerUrl);
    const denied = subscribe(client, FEED_UPDATED);
    await waitFor(() => denied.ended, { description: "subscription ended" });
    expect(denied.events[0]?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const { token, resourceId } = await countedPost();
    const ok = subscribe(client, COUNTER_CHANGED, { id: resourceId });
    await waitFor(
      async () => {
        await stack.gql(INCREMENT, { id: resourceId }, token);
        return ok.events.length > 0;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: "counterChanged on the same connection" },
    );
    ok.dispose();
    await waitFor(() => stack.router.subscriptions.stats().clientSubscriptions === 0, { description: "released" });
  });

  it("shares one counterChanged upstream between graphql-ws and SSE clients", async () => {
    const { token, resourceId } = await countedPost();
    const before = upstreams();
    const wsSubs = [
      subscribe(wsClient(stack.routerUrl), COUNTER_CHANGED, { id: resourceId }),
      subscribe(wsClient(stack.routerUrl), COUNTER_CHANGED, { id: resourceId }),
    ];
    const sseSub = await sse(stack.routerUrl, COUNTER_CHANGED, { id: resourceId });
    await waitFor(() => stack.router.subscriptions.stats().clientSubscriptions >= 3 && upstreams() === before + 1, {
      description: "three clients on one upstream",
    });
    // The subgraph may coalesce quick increments: wait until everyone has seen the latest value.
    let value = 0;
    await waitFor(
      async () => {
        const result = await stack.gql<{ incrementCounter: { value: number } }>(INCREMENT, { id: resourceId }, token);
        value = result.data!.incrementCounter.value;
        const last = (events: Payload[]) => (events.at(-1)?.data?.counterChanged as { value: number } | undefined)?.value;
        return [...wsSubs.map((s) => s.events), sseSub.events].every((events) => last(events) === value);
      },
      { timeoutMs: 30_000, intervalMs: 300, description: "all clients have the latest value" },
    );
    expect(sseSub.events.at(-1)).toEqual({ data: { counterChanged: { resourceId, type: "VIEW", value } } });
    wsSubs.forEach((s) => s.dispose());
    sseSub.abort();
    await waitFor(() => upstreams() === before, { description: "upstream closed" });
  });

  describe("scale-out: a second router over second posts and counters instances", () => {
    let counters2: CountersService;
    let posts2: PostsService;
    let router2: Router;
    let router2Url: string;

    beforeAll(async () => {
      const logger = createLogger({ service: "scale-out", level: stack.env.LOG_LEVEL ?? "silent" });
      counters2 = await startCountersService(loadCountersConfig({ ...stack.env, COUNTERS_PORT: "0" }), {
        bus: stack.bus,
        logger,
      });
      posts2 = await startPostsService(loadPostsConfig({ ...stack.env, POSTS_PORT: "0" }), { bus: stack.bus, logger });
      const config = loadRouterConfig({ ...stack.env, ROUTER_PORT: "0" });
      router2 = await buildRouter({
        supergraphSdl: await readFile(config.supergraphPath, "utf8"),
        subgraphUrls: {
          ...Object.fromEntries([...stack.router.subgraphs].map(([name, source]) => [name, source.url])),
          counters: `http://127.0.0.1:${counters2.port}/graphql`,
          posts: `http://127.0.0.1:${posts2.port}/graphql`,
        },
        jwtSecret: config.jwtSecret,
        internalAuthKey: config.internalAuthKey,
        logger,
        metrics: createRouterMetrics({ defaultMetrics: false }),
        health: createHealth(),
        subscriptions: config.subscriptions,
      });
      router2Url = `http://127.0.0.1:${await router2.listen(0)}/graphql`;
    });
    afterAll(async () => {
      await router2?.close();
      await counters2?.stop();
      await posts2?.stop();
    });

    it("delivers a change written through either counters instance to subscribers on either router", async () => {
      const { token, resourceId } = await countedPost();
      const onRouter1 = subscribe(wsClient(stack.routerUrl), COUNTER_CHANGED, { id: resourceId });
      const onRouter2 = subscribe(wsClient(router2Url), COUNTER_CHANGED, { id: resourceId });
      await waitFor(() => upstreams() >= 1 && router2.subscriptions.stats().upstream.subscriptions === 1, {
        description: "both routers subscribed",
      });
      const valuesOf = (sub: Sub) => sub.events.map((e) => (e.data?.counterChanged as { value: number }).value);
      const increment = async (url: string) => {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: INCREMENT, variables: { id: resourceId } }),
        });
        return ((await res.json()) as { data: { incrementCounter: { value: number } } }).data.incrementCounter.value;
      };
      // Through instance 1 (router 1), then through instance 2 (router 2): both subscribers see both values.
      let first = 0;
      await waitFor(
        async () => {
          first = await increment(stack.routerUrl);
          return valuesOf(onRouter1).includes(first) && valuesOf(onRouter2).includes(first);
        },
        { timeoutMs: 30_000, intervalMs: 300, description: "a change through instance 1 reached both routers" },
      );
      const second = await increment(router2Url);
      expect(second).toBeGreaterThan(first);
      await waitFor(() => valuesOf(onRouter1).includes(second) && valuesOf(onRouter2).includes(second), {
        timeoutMs: 30_000,
        description: "a change through instance 2 reached both routers",
      });
      onRouter1.dispose();
      onRouter2.dispose();
      await waitFor(() => router2.subscriptions.stats().upstream.subscriptions === 0, {
        description: "router 2 upstream closed",
      });
    });

    it("delivers a post written through either posts instance to followers on either router", async () => {
      const [author, fan1, fan2] = [await signUp("author"), await signUp("fan"), await signUp("fan")];
      for (const fan of [fan1, fan2]) expect((await stack.gql(FOLLOW, { id: author.id }, fan.token)).errors).toBeUndefined();
      const onRouter1 = subscribe(wsClient(stack.routerUrl, fan1.token), FEED_UPDATED);
      const onRouter2 = subscribe(wsClient(router2Url, fan2.token), FEED_UPDATED);
      await waitFor(() => router2.subscriptions.stats().upstream.subscriptions === 1, { description: "router 2 subscribed" });
      const bodies = (sub: Sub) => sub.events.map((e) => (e.data?.feedUpdated as { body: string }).body);
      const post = async (url: string, body: string) => {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${author.token}` },
          body: JSON.stringify({ query: CREATE_POST, variables: { body } }),
        });
        expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
      };
      // Follows reach both posts instances through Kafka: post through instance 1 until both followers hear it.
      let n = 0;
      await waitFor(
        async () => {
          await post(stack.routerUrl, `via instance 1 #${++n}`);
          return (
            bodies(onRouter1).some((b) => b.startsWith("via instance 1")) &&
            bodies(onRouter2).some((b) => b.startsWith("via instance 1"))
          );
        },
        { timeoutMs: 90_000, intervalMs: 500, description: "a post through instance 1 reached both routers" },
      );
      await post(router2Url, "via instance 2");
      await waitFor(() => bodies(onRouter1).includes("via instance 2") && bodies(onRouter2).includes("via instance 2"), {
        timeoutMs: 30_000,
        description: "a post through instance 2 reached both routers",
      });
      // Late "via instance 1 #n" posts may still arrive after it: pick the event by its body.
      const viaInstance2 = onRouter2.events.find(
        (e) => (e as { data?: { feedUpdated?: { body?: string } } }).data?.feedUpdated?.body === "via instance 2",
      );
      expect(viaInstance2).toEqual({
        data: {
          feedUpdated: {
            id: expect.any(String),
            body: "via instance 2",
            author: { displayName: author.displayName },
            likeCount: 0,
          },
        },
      });
      onRouter1.dispose();
      onRouter2.dispose();
    });
  });
});
