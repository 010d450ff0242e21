import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { signAccessToken } from "@plaza/kit";
import { waitFor } from "@plaza/testkit";
import {
  createMemoryPubSub,
  metricValue,
  post,
  PUBLISH,
  rawSocket,
  sseSubscribe,
  startExtrasSubgraph,
  startLiveSubgraph,
  startTestRouter,
  subscribe,
  wsClient,
  JWT_SECRET,
  type ExtrasSubgraph,
  type GraphQLPayload,
  type LiveSubgraph,
  type TestPubSub,
  type TestRouter,
} from "./subscription-fixtures.ts";

const ITEM_ADDED = /* GraphQL */ `
  subscription ItemAdded($channel: String!) {
    itemAdded(channel: $channel) {
      title
      score
      seenBy
      owner {
        name
      }
    }
  }
`;

let pubsub: TestPubSub;
let live: LiveSubgraph;
let extras: ExtrasSubgraph;
let gateway: TestRouter;
const clients: Array<{ dispose(): unknown }> = [];

beforeAll(async () => {
  pubsub = createMemoryPubSub();
  live = await startLiveSubgraph(pubsub);
  extras = await startExtrasSubgraph();
  gateway = await startTestRouter({ liveUrl: live.url, extrasUrl: extras.url });
});

// A test that fails midway must not leave subscriptions behind for the next one's exact counts.
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
  await waitFor(() => gateway.router.subscriptions.stats().upstream.subscriptions === 0 && pubsub.active() === 0, {
    description: "no upstream subscriptions left after the test",
    timeoutMs: 30_000,
  });
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await gateway?.stop();
  await live?.stop();
  await extras?.stop();
});

function client(params?: Record<string, unknown>) {
  const c = wsClient(gateway.wsUrl, params);
  clients.push(c);
  return c;
}

let channelSeq = 0;
const newChannel = () => `ch-${++channelSeq}`;

const publish = (channel: string, title: string, extra: Record<string, unknown> = {}) =>
  post(gateway.httpUrl, PUBLISH, { channel, title, ...extra });

/** Publishes until the subscription has seen an event (the upstream subscribe may still be on its way). */
async function publishUntilReceived(
  sub: { events: GraphQLPayload[] },
  channel: string,
  title: string,
  extra: Record<string, unknown> = {},
) {
  await waitFor(
    async () => {
      if (sub.events.length) return true;
      await publish(channel, title, extra);
      return sub.events.length > 0;
    },
    { description: "first event", intervalMs: 100 },
  );
}

const upstreamIdle = () =>
  waitFor(() => gateway.router.subscriptions.stats().upstream.subscriptions === 0 && pubsub.active() === 0, {
    description: "no upstream subscriptions left",
  });

describe("federated subscriptions over graphql-ws", () => {
  it("delivers events resolved across subgraphs, in order", async () => {
    const channel = newChannel();
    const c = client();
    const sub = subscribe(c, ITEM_ADDED, { channel });
    await publishUntilReceived(sub, channel, "hello", { ownerId: "u-1" });
    expect(sub.events[0]).toEqual({
      data: { itemAdded: { title: "hello", score: expect.any(Number), seenBy: null, owner: { name: "name of u-1" } } },
    });
    const titles = Array.from({ length: 20 }, (_, i) => `event ${i}`);
    for (const title of titles) await publish(channel, title);
    // publishUntilReceived may have sent "hello" more than once before the first one arrived.
    const received = () => sub.events.map((e) => (e.data!.itemAdded as { title: string }).title).filter((t) => t !== "hello");
    await waitFor(() => received().length === titles.length, { description: "all 20 events", timeoutMs: 30_000 });
    expect(received()).toEqual(titles);
    expect(gateway.router.subscriptions.stats().groups).toBe(1);
    sub.dispose();
    await upstreamIdle();
  });
  it("keeps serving queries and mutations over the same connection", async () => {
    const c = client();
    const result = await new Promise<GraphQLPayload>((resolve, reject) => {
      c.subscribe(
        { query: "{ liveInfo extrasInfo }" },
        { next: (v) => resolve(v as GraphQLPayload), error: reject, complete: () => undefined },
      );
    });
    expect(result).toEqual({ data: { liveInfo: "live", extrasInfo: "extras" } });
  });
});

describe("sharing", () => {
  it("shares one upstream subscription and one rest resolution per event among identical subscriptions", async () => {
    const channel = newChannel();
    const subs = [client(), client(), client()].map((c) => subscribe(c, ITEM_ADDED, { channel }));
    await waitFor(() => pubsub.active() === 1 && gateway.router.subscriptions.stats().clientSubscriptions === 3, {
      description: "three clients on one upstream subscription",
    });
    expect(gateway.router.subscriptions.stats()).toMatchObject({ groups: 1, upstream: { subscriptions: 1, connections: 1 } });
    const before = extras.scoreResolutions;
    await publish(channel, "shared");
    await waitFor(() => subs.every((s) => s.events.length === 1), { description: "every client got the event" });
    for (const s of subs) expect(s.events[0]!.data).toMatchObject({ itemAdded: { title: "shared", seenBy: null } });
    expect(extras.scoreResolutions - before).toBe(1);
    // One client leaving does not disturb the others.
    subs[0]!.dispose();
    await waitFor(() => gateway.router.subscriptions.stats().clientSubscriptions === 2, { description: "one client left" });
    await publish(channel, "after one left");
    await waitFor(() => subs[1]!.events.length === 2 && subs[2]!.events.length === 2, { description: "the others still served" });
    expect(subs[0]!.events).toHaveLength(1);
    subs.forEach((s) => s.dispose());
    await upstreamIdle();
  });

  it("never shares a viewer's subscription with another viewer", async () => {
    const [alice, bob] = await Promise.all([signAccessToken(JWT_SECRET, "alice", 600), signAccessToken(JWT_SECRET, "bob", 600)]);
    const channel = newChannel();
    const aliceSubs = [client({ authorization: `Bearer ${alice}` }), client({ authorization: `Bearer ${alice}` })].map((c) =>
      subscribe(c, ITEM_ADDED, { channel }),
    );
    const bobSub = subscribe(client({ authorization: `Bearer ${bob}` }), ITEM_ADDED, { channel });
    await waitFor(() => pubsub.active() === 2 && gateway.router.subscriptions.stats().clientSubscriptions === 3, {
      description: "one upstream per viewer",
    });
    expect(gateway.router.subscriptions.stats()).toMatchObject({ groups: 2, upstream: { subscriptions: 2 } });
    await publish(channel, "per viewer");
    await waitFor(() => [...aliceSubs, bobSub].every((s) => s.events.length === 1), { description: "all got the event" });
    for (const s of aliceSubs) expect(s.events[0]!.data).toMatchObject({ itemAdded: { seenBy: "alice" } });
    expect(bobSub.events[0]!.data).toMatchObject({ itemAdded: { seenBy: "bob" } });
    [...aliceSubs, bobSub].forEach((s) => s.dispose());
    await upstreamIdle();
  });

  it("shares subscriptions configured public across viewers, resolved as the anonymous viewer", async () => {
    const alice = await signAccessToken(JWT_SECRET, "alice", 600);
    const bob = await signAccessToken(JWT_SECRET, "bob", 600);
    const channel = newChannel();
    const query = "subscription ($channel: String!) { publicItemAdded(channel: $channel) { title seenBy } }";
    const subs = [client({ authorization: `Bearer ${alice}` }), client({ authorization: `Bearer ${bob}` }), client()].map((c) =>
      subscribe(c, query, { channel }),
    );
    await waitFor(() => gateway.router.subscriptions.stats().clientSubscriptions === 3 && pubsub.active() === 1, {
      description: "one shared upstream",
    });
    await publish(channel, "public");
    await waitFor(() => subs.every((s) => s.events.length === 1), { description: "all got the event" });
    for (const s of subs) expect(s.events[0]).toEqual({ data: { publicItemAdded: { title: "public", seenBy: null } } });
    subs.forEach((s) => s.dispose());
    await upstreamIdle();
  });

  it("opens separate upstream subscriptions for different variables", async () => {
    const [a, b] = [newChannel(), newChannel()];
    const subA = subscribe(client(), ITEM_ADDED, { channel: a });
    const subB = subscribe(client(), ITEM_ADDED, { channel: b });
    await waitFor(() => pubsub.active() === 2, { description: "two upstreams" });
    await publish(a, "only a");
    await waitFor(() => subA.events.length === 1, { description: "a got its event" });
    await publish(b, "only b");
    await waitFor(() => subB.events.length === 1, { description: "b got its event" });
    expect(subA.events.map((e) => (e.data!.itemAdded as { title: string }).title)).toEqual(["only a"]);
    expect(subB.events.map((e) => (e.data!.itemAdded as { title: string }).title)).toEqual(["only b"]);
    subA.dispose();
    subB.dispose();
    await upstreamIdle();
  });
});

describe("auth", () => {
  it("closes the connection with 4403 for a token that does not verify", async () => {
    const c = client({ authorization: "Bearer not-a-jwt" });
    await waitFor(() => c.closes.length > 0, { description: "closed" });
    expect(c.closes[0]!.code).toBe(4403);
  });

  it("answers UNAUTHENTICATED to a subscription that needs a viewer, and the connection stays up", async () => {
    const c = client();
    const denied = subscribe(c, "subscription { myItems { title } }");
    await waitFor(() => denied.completed || denied.error !== undefined, { description: "subscription ended" });
    expect(denied.events[0]?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const channel = newChannel();
    const ok = subscribe(c, ITEM_ADDED, { channel });
    await publishUntilReceived(ok, channel, "still connected");
    expect(c.closes).toEqual([]);
    ok.dispose();
    await upstreamIdle();
  });

  it("forwards the viewer to the subgraph that owns the subscription", async () => {
    const token = await signAccessToken(JWT_SECRET, "carol", 600);
    const mine = subscribe(client({ authorization: `Bearer ${token}` }), "subscription { myItems { title seenBy } }");
    await publishUntilReceived(mine, newChannel(), "for carol", { ownerId: "carol" });
    expect(mine.events[0]).toEqual({ data: { myItems: { title: "for carol", seenBy: "carol" } } });
    mine.dispose();
    await upstreamIdle();
  });

  it("closes the connection when the token expires", async () => {
    const token = await signAccessToken(JWT_SECRET, "dave", 2);
    const c = client({ authorization: `Bearer ${token}` });
    const sub = subscribe(c, ITEM_ADDED, { channel: newChannel() });
    await waitFor(() => c.closes.length > 0, { description: "closed at expiry", timeoutMs: 15_000 });
    expect(c.closes[0]).toEqual({ code: 4403, reason: "Access token expired" });
    expect(sub.completed || sub.error !== undefined).toBe(true);
    await upstreamIdle();
  });
});

describe("bad input", () => {
  it("answers an unknown field, an invalid document and bad variables on that subscription only", async () => {
    const c = client();
    const unknown = subscribe(c, "subscription { nope }");
    const invalid = subscribe(c, "subscription {");
    const badVariables = subscribe(c, ITEM_ADDED, { channel: 42 });
    const missingVariables = subscribe(c, ITEM_ADDED);
    await waitFor(() => [unknown, invalid, badVariables, missingVariables].every((s) => s.completed || s.error !== undefined), {
      description: "all four ended",
    });
    expect(JSON.stringify(unknown.error)).toContain("Cannot query field");
    expect(JSON.stringify(invalid.error)).toContain("Syntax Error");
    expect(badVariables.events[0]?.errors?.[0]?.message).toContain("channel");
    expect(missingVariables.events[0]?.errors?.[0]?.message).toContain("channel");
    const channel = newChannel();
    const ok = subscribe(c, ITEM_ADDED, { channel });
    await publishUntilReceived(ok, channel, "fine");
    expect(c.closes).toEqual([]);
    ok.dispose();
    await upstreamIdle();
  });

  it("closes with 4400 on a malformed graphql-ws message", async () => {
    const raw = await rawSocket(gateway.wsUrl);
    raw.send({ type: "connection_init" });
    await waitFor(() => raw.messages.some((m) => m.type === "connection_ack"), { description: "ack" });
    raw.send("{ this is not json");
    await waitFor(() => raw.closed, { description: "closed" });
    expect(raw.closed!.code).toBe(4400);

    const second = await rawSocket(gateway.wsUrl);
    second.send({ type: "connection_init" });
    await waitFor(() => second.messages.some((m) => m.type === "connection_ack"), { description: "ack" });
    second.send({ type: "subscribe", payload: { query: "subscription { nope }" } });
    await waitFor(() => second.closed, { description: "closed" });
    expect(second.closed!.code).toBe(4400);
  });

  it("rejects a connection that does not speak graphql-transport-ws", async () => {
    const ws = new WebSocket(gateway.wsUrl);
    const closed = await new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
    expect(closed).toBe(4406);
  });
});

describe("lifecycle", () => {
  it("closes the upstream subscription as soon as the last client leaves", async () => {
    const channel = newChannel();
    const c = client();
    const sub = subscribe(c, ITEM_ADDED, { channel });
    await waitFor(() => pubsub.active() === 1, { description: "upstream open" });
    expect(await metricValue(gateway.metrics, "plaza_router_upstream_subscriptions_active", { subgraph: "live" })).toBe(1);
    sub.dispose();
    await waitFor(() => pubsub.active() === 0, { description: "upstream closed" });
    expect(gateway.router.subscriptions.stats()).toEqual({
      clientSubscriptions: 0,
      groups: 0,
      upstream: { connections: 0, subscriptions: 0, listeners: 0 },
    });
    expect(await metricValue(gateway.metrics, "plaza_router_upstream_subscriptions_active")).toBe(0);
  });

  it("closes the upstream subscription when a client's connection drops", async () => {
    const raw = await rawSocket(gateway.wsUrl);
    raw.send({ type: "connection_init" });
    await waitFor(() => raw.messages.some((m) => m.type === "connection_ack"), { description: "ack" });
    raw.send({ id: "1", type: "subscribe", payload: { query: ITEM_ADDED, variables: { channel: newChannel() } } });
    await waitFor(() => pubsub.active() === 1, { description: "upstream open" });
    raw.ws.terminate();
    await upstreamIdle();
  });

  it("counts connections, subscriptions and delivered events in /metrics", async () => {
    const channel = newChannel();
    const sub = subscribe(client(), ITEM_ADDED, { channel });
    await publishUntilReceived(sub, channel, "measured");
    const text = await (await fetch(gateway.httpUrl.replace("/graphql", "/metrics"))).text();
    for (const name of [
      "plaza_router_subscription_connections",
      "plaza_router_subscriptions_active",
      "plaza_router_upstream_subscriptions_active",
      "plaza_router_subscription_events_delivered_total",
      "plaza_router_subscription_delivery_latency_seconds_bucket",
      "plaza_router_subscription_slow_consumers_dropped_total",
    ])
      expect(text).toContain(name);
    expect(await metricValue(gateway.metrics, "plaza_router_subscription_events_delivered_total")).toBeGreaterThan(0);
    expect(await metricValue(gateway.metrics, "plaza_router_subscriptions_active")).toBeGreaterThan(0);
    expect(await metricValue(gateway.metrics, "plaza_router_subscription_connections", { transport: "ws" })).toBeGreaterThan(0);
    sub.dispose();
    await upstreamIdle();
  });

  it("leaks no upstream subscriptions when 1,000 clients connect and leave", async () => {
    const channels = [newChannel(), newChannel(), newChannel()];
    const rounds = 5;
    const perRound = 200;
    for (let round = 0; round < rounds; round++) {
      const batch = await Promise.all(
        Array.from({ length: perRound }, async (_, i) => {
          const raw = await rawSocket(gateway.wsUrl);
          raw.send({ type: "connection_init" });
          // Some leave before they are even acknowledged.
          if (i % 10 === 9) return raw;
          await waitFor(() => raw.messages.some((m) => m.type === "connection_ack"), { description: "ack" });
          raw.send({ id: "s", type: "subscribe", payload: { query: ITEM_ADDED, variables: { channel: channels[i % 3] } } });
          return raw;
        }),
      );
      // Leave in every way there is: before the subscription reached the subgraph or after, politely or not.
      await Promise.all(
        batch.map(async (raw, i) => {
          if (i % 4 === 1) await waitFor(() => pubsub.active() > 0, { description: "an upstream opened" });
          if (i % 4 === 2) raw.send({ id: "s", type: "complete" });
          if (i % 2 === 0) raw.ws.terminate();
          else raw.ws.close(1000);
        }),
      );
    }
    const state = async () => ({
      pubsub: pubsub.active(),
      clientSubscriptions: gateway.router.subscriptions.stats().clientSubscriptions,
      upstreamConnections: gateway.router.subscriptions.stats().upstream.connections,
      upstreamActive: await metricValue(gateway.metrics, "plaza_router_upstream_subscriptions_active"),
      active: await metricValue(gateway.metrics, "plaza_router_subscriptions_active"),
      connections: await metricValue(gateway.metrics, "plaza_router_subscription_connections", { transport: "ws" }),
    });
    const released = { pubsub: 0, clientSubscriptions: 0, upstreamConnections: 0, upstreamActive: 0, active: 0, connections: 0 };
    let last = await state();
    await waitFor(
      async () => {
        last = await state();
        return JSON.stringify(last) === JSON.stringify(released);
      },
      { description: "everything released", timeoutMs: 30_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; state: ${JSON.stringify(last)}`);
    });
  });
});

describe("GraphQL over SSE", () => {
  it("streams federated events and closes the upstream when the client goes away", async () => {
    const channel = newChannel();
    const sse = await sseSubscribe(gateway.httpUrl, ITEM_ADDED, { channel });
    expect(sse.status).toBe(200);
    await publishUntilReceived(sse, channel, "over sse", { ownerId: "u-9" });
    expect(sse.events[0]).toEqual({
      data: { itemAdded: { title: "over sse", score: expect.any(Number), seenBy: null, owner: { name: "name of u-9" } } },
    });
    expect(await metricValue(gateway.metrics, "plaza_router_subscription_connections", { transport: "sse" })).toBe(1);
    sse.abort();
    await upstreamIdle();
    await waitFor(
      async () => (await metricValue(gateway.metrics, "plaza_router_subscription_connections", { transport: "sse" })) === 0,
      {
        description: "sse stream counted out",
      },
    );
  });

  it("shares the upstream with graphql-ws clients of the same scope", async () => {
    const channel = newChannel();
    const sse = await sseSubscribe(gateway.httpUrl, ITEM_ADDED, { channel });
    const ws = subscribe(client(), ITEM_ADDED, { channel });
    await waitFor(() => gateway.router.subscriptions.stats().clientSubscriptions === 2 && pubsub.active() === 1, {
      description: "two clients, one upstream",
    });
    await publish(channel, "both");
    await waitFor(() => sse.events.length === 1 && ws.events.length === 1, { description: "both got it" });
    expect(sse.events[0]).toEqual(ws.events[0]);
    sse.abort();
    ws.dispose();
    await upstreamIdle();
  });

  it("authenticates with the Authorization header and answers UNAUTHENTICATED without it", async () => {
    const denied = await sseSubscribe(gateway.httpUrl, "subscription { myItems { title } }");
    await waitFor(() => denied.completed, { description: "denied stream ended" });
    expect(denied.events[0]?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    const bad = await sseSubscribe(gateway.httpUrl, "subscription { myItems { title } }", undefined, "not-a-jwt");
    expect(bad.status).toBe(401);

    const token = await signAccessToken(JWT_SECRET, "erin", 600);
    const mine = await sseSubscribe(gateway.httpUrl, "subscription { myItems { title seenBy } }", undefined, token);
    await publishUntilReceived(mine, newChannel(), "for erin", { ownerId: "erin" });
    expect(mine.events[0]).toEqual({ data: { myItems: { title: "for erin", seenBy: "erin" } } });
    mine.abort();
    await upstreamIdle();
  });

  it("answers bad variables with an error", async () => {
    const sse = await sseSubscribe(gateway.httpUrl, ITEM_ADDED, { channel: 7 });
    await waitFor(() => sse.completed, { description: "ended" });
    expect(sse.events[0]?.errors?.[0]?.message).toContain("channel");
  });
});
