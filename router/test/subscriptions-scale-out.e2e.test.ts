import { afterAll, beforeAll, expect, it } from "vitest";
import { testInfra, uniqueName, waitFor } from "@plaza/testkit";
import {
  createRedisPubSub,
  post,
  PUBLISH,
  sseSubscribe,
  startExtrasSubgraph,
  startLiveSubgraph,
  startTestRouter,
  subscribe,
  wsClient,
  type ExtrasSubgraph,
  type GraphQLPayload,
  type LiveSubgraph,
  type TestPubSub,
  type TestRouter,
} from "./subscription-fixtures.ts";

// Two routers and two instances of the subgraph owning the subscription, each router on its own instance.
// The instances exchange events through Redis pub/sub, as Plaza's subgraphs do through Kafka or Redis.
const ITEM_ADDED = "subscription ($channel: String!) { itemAdded(channel: $channel) { title score owner { name } } }";

let buses: TestPubSub[] = [];
let lives: LiveSubgraph[] = [];
let extras: ExtrasSubgraph;
let routers: TestRouter[] = [];
const clients: Array<{ dispose(): unknown }> = [];

beforeAll(async () => {
  const prefix = `${uniqueName("subs-scale")}:`;
  buses = await Promise.all([createRedisPubSub(testInfra().redisUrl, prefix), createRedisPubSub(testInfra().redisUrl, prefix)]);
  lives = await Promise.all(buses.map((bus) => startLiveSubgraph(bus)));
  extras = await startExtrasSubgraph();
  routers = await Promise.all(lives.map((live) => startTestRouter({ liveUrl: live.url, extrasUrl: extras.url })));
});

afterAll(async () => {
  for (const c of clients) await c.dispose();
  await Promise.all(routers.map((r) => r.stop()));
  await Promise.all(lives.map((l) => l.stop()));
  await extras?.stop();
  await Promise.all(buses.map((b) => b.close()));
});

const titles = (events: GraphQLPayload[]) => events.map((e) => (e.data?.itemAdded as { title: string } | undefined)?.title);

it("delivers an event written through either subgraph instance to subscribers on either router", async () => {
  const [a, b] = routers as [TestRouter, TestRouter];
  const channel = uniqueName("scale");
  const wsA = wsClient(a.wsUrl);
  const wsB = wsClient(b.wsUrl);
  clients.push(wsA, wsB);
  const onA = subscribe(wsA, ITEM_ADDED, { channel });
  const onB = subscribe(wsB, ITEM_ADDED, { channel });
  const sseOnB = await sseSubscribe(b.httpUrl, ITEM_ADDED, { channel });
  await waitFor(() => buses[0]!.active() === 1 && buses[1]!.active() === 1, { description: "one upstream on each instance" });

  // Written through instance 1 (router A's), then through instance 2 (router B's).
  await post(a.httpUrl, PUBLISH, { channel, title: "via instance 1", ownerId: "u-1" });
  await post(b.httpUrl, PUBLISH, { channel, title: "via instance 2", ownerId: "u-2" });
  const all = [onA, onB, sseOnB];
  await waitFor(() => all.every((s) => s.events.length === 2), { description: "every subscriber got both events" });
  for (const s of all) {
    expect(titles(s.events)).toEqual(["via instance 1", "via instance 2"]);
    expect(s.events[1]!.data).toMatchObject({ itemAdded: { owner: { name: "name of u-2" } } });
  }
  expect(lives.map((l) => l.published)).toEqual([1, 1]);

  onA.dispose();
  onB.dispose();
  sseOnB.abort();
  await waitFor(() => buses.every((bus) => bus.active() === 0), { description: "upstreams closed on both instances" });
});
