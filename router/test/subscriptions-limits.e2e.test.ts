import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signAccessToken } from "@plaza/kit";
import { waitFor } from "@plaza/testkit";
import {
  createMemoryPubSub,
  metricValue,
  post,
  PUBLISH,
  rawSocket,
  startExtrasSubgraph,
  startLiveSubgraph,
  startTestRouter,
  subscribe,
  wsClient,
  JWT_SECRET,
  type ExtrasSubgraph,
  type LiveSubgraph,
  type TestPubSub,
  type TestRouter,
} from "./subscription-fixtures.ts";

const ITEM_ADDED = "subscription ($channel: String!) { itemAdded(channel: $channel) { title score padding } }";

let pubsub: TestPubSub;
let live: LiveSubgraph;
let extras: ExtrasSubgraph;
/** Tight limits and a fast heartbeat. */
let strict: TestRouter;
/** Small buffers and a slow heartbeat, so a stalled reader is dropped for its buffer, not for missed pongs. */
let small: TestRouter;
const disposables: Array<{ dispose(): unknown }> = [];

beforeAll(async () => {
  pubsub = createMemoryPubSub();
  live = await startLiveSubgraph(pubsub);
  extras = await startExtrasSubgraph();
  strict = await startTestRouter({
    liveUrl: live.url,
    extrasUrl: extras.url,
    subscriptions: {
      maxSubscriptionsPerConnection: 2,
      maxAnonymousSubscriptionsPerConnection: 2,
      maxConnectionsPerUser: 2,
      pingIntervalMs: 300,
      maxMessageBytes: 4096,
    },
  });
  small = await startTestRouter({
    liveUrl: live.url,
    extrasUrl: extras.url,
    subscriptions: { maxBufferedBytes: 64 * 1024, maxQueuedEvents: 8, pingIntervalMs: 60_000 },
  });
});

afterAll(async () => {
  for (const d of disposables) await d.dispose();
  await strict?.stop();
  await small?.stop();
  await live?.stop();
  await extras?.stop();
});

function client(router: TestRouter, params?: Record<string, unknown>) {
  const c = wsClient(router.wsUrl, params);
  disposables.push(c);
  return c;
}

const upstreams = (router: TestRouter) => router.router.subscriptions.stats().upstream.subscriptions;

let seq = 0;
const newChannel = () => `limits-${++seq}`;

describe("limits", () => {
  it("refuses operations beyond the per-connection limit, for that operation only", async () => {
    const c = client(strict);
    const channel = newChannel();
    const first = subscribe(c, ITEM_ADDED, { channel });
    const second = subscribe(c, ITEM_ADDED, { channel });
    await waitFor(() => strict.router.subscriptions.stats().clientSubscriptions === 2, { description: "two accepted" });
    const third = subscribe(c, ITEM_ADDED, { channel });
    await waitFor(() => third.error !== undefined, { description: "third refused" });
    expect(JSON.stringify(third.error)).toContain("RATE_LIMITED");
    await post(strict.httpUrl, PUBLISH, { channel, title: "still flowing" });
    await waitFor(() => first.events.length === 1 && second.events.length === 1, { description: "first two served" });
    expect(c.closes).toEqual([]);
    first.dispose();
    second.dispose();
  });

  it("caps anonymous connections per address and operations per anonymous connection", async () => {
    const capped = await startTestRouter({
      liveUrl: live.url,
      extrasUrl: extras.url,
      subscriptions: { maxAnonymousConnectionsPerIp: 2, maxAnonymousSubscriptionsPerConnection: 1 },
    });
    try {
      const [a, b] = [client(capped), client(capped)];
      subscribe(a, ITEM_ADDED, { channel: newChannel() });
      subscribe(b, ITEM_ADDED, { channel: newChannel() });
      await waitFor(() => capped.router.subscriptions.stats().clientSubscriptions >= 2, { description: "two anonymous in use" });
      const third = client(capped);
      await waitFor(() => third.closes.length > 0, { description: "third closed" });
      expect(third.closes[0]).toEqual({ code: 1008, reason: "Too many anonymous connections from this address" });
      const second = subscribe(a, ITEM_ADDED, { channel: newChannel() });
      await waitFor(() => second.error !== undefined, { description: "second operation refused" });
      expect(JSON.stringify(second.error)).toContain("RATE_LIMITED");
      // A signed-in client is counted as its user, not as the address.
      const user = client(capped, { authorization: `Bearer ${await signAccessToken(JWT_SECRET, "hal", 600)}` });
      const userSub = subscribe(user, ITEM_ADDED, { channel: newChannel() });
      await waitFor(() => capped.router.subscriptions.stats().clientSubscriptions >= 3, { description: "user served" });
      expect(userSub.error).toBeUndefined();
      // A slot freed by a leaving client can be used again.
      await b.dispose();
      const fourth = client(capped);
      const fourthSub = subscribe(fourth, ITEM_ADDED, { channel: newChannel() });
      await waitFor(() => capped.router.subscriptions.stats().clientSubscriptions >= 3 && fourth.closes.length === 0, {
        description: "freed slot reused",
      });
      expect(fourthSub.error).toBeUndefined();
    } finally {
      await capped.stop();
    }
  });

  it("closes connections beyond the per-user limit with 1008", async () => {
    const token = await signAccessToken(JWT_SECRET, "frank", 600);
    const params = { authorization: `Bearer ${token}` };
    const [a, b] = [client(strict, params), client(strict, params)];
    const subA = subscribe(a, ITEM_ADDED, { channel: newChannel() });
    subscribe(b, ITEM_ADDED, { channel: newChannel() });
    await waitFor(() => strict.router.subscriptions.stats().clientSubscriptions >= 2, { description: "two connections in use" });
    const third = client(strict, params);
    await waitFor(() => third.closes.length > 0, { description: "third closed" });
    expect(third.closes[0]).toEqual({ code: 1008, reason: "Too many connections for this user" });
    // Another user is not affected, and a freed slot can be used again.
    const other = client(strict, { authorization: `Bearer ${await signAccessToken(JWT_SECRET, "gina", 600)}` });
    const otherSub = subscribe(other, ITEM_ADDED, { channel: newChannel() });
    subA.dispose();
    await a.dispose();
    const fourth = client(strict, params);
    const fourthSub = subscribe(fourth, ITEM_ADDED, { channel: newChannel() });
    await waitFor(() => strict.router.subscriptions.stats().clientSubscriptions >= 3, { description: "fourth accepted" });
    expect(fourth.closes).toEqual([]);
    expect(other.closes).toEqual([]);
    fourthSub.dispose();
    otherSub.dispose();
  });

  it("drops a connection that stops answering pings, and keeps one that answers", async () => {
    const healthy = client(strict);
    subscribe(healthy, ITEM_ADDED, { channel: newChannel() });
    const silent = await rawSocket(strict.wsUrl, { autoPong: false });
    silent.send({ type: "connection_init" });
    await waitFor(() => silent.closed, { description: "silent connection dropped", timeoutMs: 15_000 });
    expect(silent.closed!.code).toBe(1006);
    expect(healthy.closes).toEqual([]);
  });

  it("closes with 1009 on a message over the size limit", async () => {
    const raw = await rawSocket(strict.wsUrl);
    raw.send({ type: "connection_init" });
    await waitFor(() => raw.messages.some((m) => m.type === "connection_ack"), { description: "ack" });
    raw.send({ id: "big", type: "subscribe", payload: { query: `{ liveInfo } # ${"x".repeat(8_000)}` } });
    await waitFor(() => raw.closed, { description: "closed" });
    expect(raw.closed!.code).toBe(1009);
  });
});

describe("slow consumers", () => {
  it("closes a graphql-ws client that stops reading once its buffer is full; others keep receiving", async () => {
    const channel = newChannel();
    const healthy = subscribe(client(small), ITEM_ADDED, { channel });
    const stalled = await rawSocket(small.wsUrl);
    stalled.send({ type: "connection_init" });
    await waitFor(() => stalled.messages.some((m) => m.type === "connection_ack"), { description: "ack" });
    stalled.send({ id: "1", type: "subscribe", payload: { query: ITEM_ADDED, variables: { channel } } });
    await waitFor(() => small.router.subscriptions.stats().clientSubscriptions === 2 && upstreams(small) === 1, {
      description: "both subscribed",
    });
    // Stop reading: the kernel buffers fill, then the router's per-connection send buffer.
    (stalled.ws as unknown as { _socket: Socket })._socket.pause();
    let published = 0;
    await waitFor(
      async () => {
        await post(small.httpUrl, PUBLISH, { channel, title: `big ${published++}`, paddingBytes: 200_000 });
        return (
          (await metricValue(small.metrics, "plaza_router_subscription_slow_consumers_dropped_total", { transport: "ws" })) === 1
        );
      },
      { description: "stalled client dropped", timeoutMs: 60_000, intervalMs: 0 },
    );
    await waitFor(() => small.router.subscriptions.stats().clientSubscriptions === 1, {
      description: "stalled subscription released",
    });
    await waitFor(() => healthy.events.length === published, {
      description: "healthy client got every event",
      timeoutMs: 30_000,
    });
    healthy.dispose();
    await waitFor(() => upstreams(small) === 0, { description: "upstream closed" });
  });

  it("ends an SSE stream whose reader stops reading once its queue is full", async () => {
    const channel = newChannel();
    // A request whose response body is never read.
    const controller = new AbortController();
    const res = await fetch(small.httpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: ITEM_ADDED, variables: { channel } }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    await waitFor(() => upstreams(small) === 1 && small.router.subscriptions.stats().clientSubscriptions === 1, {
      description: "subscribed",
    });
    let published = 0;
    await waitFor(
      async () => {
        await post(small.httpUrl, PUBLISH, { channel, title: `big ${published++}`, paddingBytes: 200_000 });
        return (
          (await metricValue(small.metrics, "plaza_router_subscription_slow_consumers_dropped_total", { transport: "sse" })) === 1
        );
      },
      { description: "stalled SSE reader dropped", timeoutMs: 60_000, intervalMs: 0 },
    );
    await waitFor(() => upstreams(small) === 0 && small.router.subscriptions.stats().clientSubscriptions === 0, {
      description: "released",
    });
    controller.abort();
  });
});
