import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "@plaza/testkit";
import {
  createMemoryPubSub,
  metricValue,
  post,
  PUBLISH,
  sseSubscribe,
  startExtrasSubgraph,
  startLiveSubgraph,
  startTestRouter,
  subscribe,
  wsClient,
  type GraphQLPayload,
} from "./subscription-fixtures.ts";

const ITEM_ADDED = "subscription ($channel: String!) { itemAdded(channel: $channel) { title score } }";
const cleanups: Array<() => unknown> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function stack(subscriptions = {}) {
  const pubsub = createMemoryPubSub();
  let live = await startLiveSubgraph(pubsub);
  const extras = await startExtrasSubgraph();
  const gateway = await startTestRouter({ liveUrl: live.url, extrasUrl: extras.url, subscriptions });
  cleanups.push(
    () => extras.stop(),
    () => live.stop(),
    () => gateway.stop(),
  );
  return {
    pubsub,
    gateway,
    get live() {
      return live;
    },
    /** Stops the live subgraph and starts a fresh instance on the same port. */
    async restartLive() {
      await live.stop();
      live = await startLiveSubgraph(pubsub, live.port);
    },
  };
}

const titles = (events: GraphQLPayload[]) =>
  events.flatMap((e) => (e.data?.itemAdded ? [(e.data.itemAdded as { title: string }).title] : []));

describe("subscription lifecycle", () => {
  it("re-subscribes after a subgraph restart; clients keep their subscription and are told about the gap", async () => {
    const s = await stack();
    const c = wsClient(s.gateway.wsUrl);
    cleanups.push(() => c.dispose());
    const sub = subscribe(c, ITEM_ADDED, { channel: "restart" });
    await waitFor(() => s.pubsub.active() === 1, { description: "upstream open" });
    await post(s.gateway.httpUrl, PUBLISH, { channel: "restart", title: "before" });
    await waitFor(() => sub.events.length === 1, { description: "first event" });

    await s.restartLive();
    // Nothing published until the router is back on the new instance; then events flow again on the same subscription.
    await waitFor(() => s.pubsub.active() === 1, { description: "re-subscribed", timeoutMs: 20_000 });
    await waitFor(() => sub.events.some((e) => e.errors?.[0]?.extensions?.code === "SUBSCRIPTION_INTERRUPTED"), {
      description: "gap notice",
    });
    await post(s.gateway.httpUrl, PUBLISH, { channel: "restart", title: "after" });
    await waitFor(() => titles(sub.events).includes("after"), { description: "event after restart" });

    expect(titles(sub.events)).toEqual(["before", "after"]);
    const notice = sub.events.find((e) => e.errors)!;
    expect(notice.errors![0]!.extensions).toMatchObject({ code: "SUBSCRIPTION_INTERRUPTED", subgraph: "live" });
    expect(sub.completed).toBe(false);
    expect(c.closes).toEqual([]);
    expect(s.gateway.router.subscriptions.stats().upstream.subscriptions).toBe(1);
    expect(
      await metricValue(s.gateway.metrics, "plaza_router_upstream_subscription_reconnects_total", { subgraph: "live" }),
    ).toBe(1);
    sub.dispose();
    await waitFor(() => s.pubsub.active() === 0, { description: "upstream closed" });
  });

  it("ends subscriptions with an error when a subgraph stays away beyond the retry budget", async () => {
    const s = await stack({ retryAttempts: 2, retryMaxDelayMs: 100 });
    const c = wsClient(s.gateway.wsUrl);
    cleanups.push(() => c.dispose());
    const sub = subscribe(c, ITEM_ADDED, { channel: "gone" });
    await waitFor(() => s.pubsub.active() === 1, { description: "upstream open" });
    await s.live.stop();
    await waitFor(() => sub.completed, { description: "subscription ended", timeoutMs: 20_000 });
    expect(sub.events.at(-1)?.errors?.[0]?.message).toContain('Subgraph "live" is unavailable');
    expect(s.gateway.router.subscriptions.stats()).toMatchObject({
      clientSubscriptions: 0,
      upstream: { subscriptions: 0, connections: 0 },
    });
    // The connection itself stays up for new operations.
    expect(c.closes).toEqual([]);
  });

  it("closes graphql-ws clients with 1001 and completes SSE streams when the router shuts down", async () => {
    const s = await stack();
    const c = wsClient(s.gateway.wsUrl);
    cleanups.push(() => c.dispose());
    const sub = subscribe(c, ITEM_ADDED, { channel: "shutdown" });
    const sse = await sseSubscribe(s.gateway.httpUrl, ITEM_ADDED, { channel: "shutdown" });
    await waitFor(() => s.gateway.router.subscriptions.stats().clientSubscriptions === 2 && s.pubsub.active() === 1, {
      description: "both subscribed",
    });
    await s.gateway.stop();
    await waitFor(() => c.closes.length > 0 && sse.completed, { description: "clients told" });
    expect(c.closes[0]).toEqual({ code: 1001, reason: "Router shutting down" });
    await waitFor(() => sub.completed || sub.error !== undefined, { description: "graphql-ws subscription ended" });
    await waitFor(() => s.pubsub.active() === 0, { description: "upstream closed" });
  });
});
