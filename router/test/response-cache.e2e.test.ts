import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEvent, createInProcessEventBus, ProfileUpdated, type InProcessEventBus } from "@plaza/events";
import { signAccessToken } from "@plaza/kit";
import { startRedis, testInfra, uniqueName, waitFor, type RedisHandle } from "@plaza/testkit";
import {
  counterValue,
  JWT_SECRET,
  logger,
  startCacheTestRouter,
  startFakeSubgraphs,
  type CacheTestRouter,
  type FakeSubgraphs,
} from "./cache-test-router.ts";

const USER = "query User($id: ID!) { user(id: $id) { id name notes } }";
const ME = "query Me { me { id name notes } }";
const bearer = async (viewerId: string) => ({ authorization: `Bearer ${await signAccessToken(JWT_SECRET, viewerId, 600)}` });

let subgraphs: FakeSubgraphs;
const routers: CacheTestRouter[] = [];
async function router(opts: Parameters<typeof startCacheTestRouter>[1] = {}) {
  const started = await startCacheTestRouter(subgraphs, opts);
  routers.push(started);
  return started;
}

beforeAll(async () => {
  subgraphs = await startFakeSubgraphs();
});
afterEach(async () => {
  subgraphs.users.release();
  await Promise.all(routers.splice(0).map((r) => r.close()));
});
afterAll(async () => subgraphs?.close());

describe("response cache at the router", () => {
  it("answers a repeated query from the first level, byte for byte what a miss answers", async () => {
    const a = await router();
    const variables = { id: "u1" };
    const miss = await a.query({ query: USER, variables });
    expect(miss).toMatchObject({
      status: 200,
      cache: "miss",
      json: { data: { user: { id: "u1", name: "Ada", notes: ["note of u1"] } } },
    });
    const fetches = { ...subgraphs.users.fetches };
    // Second time the query text is known: the fast path answers before GraphQL.
    const hit = await a.query({ query: USER, variables: { id: "u1" } });
    expect(hit.cache).toBe("hit-l1");
    expect(hit.text).toBe(miss.text);
    expect(hit.headers.get("content-type")).toBe(miss.headers.get("content-type"));
    expect(hit.headers.get("x-request-id")).toMatch(/.+/);
    expect(subgraphs.users.fetches).toEqual(fetches);
    // Same answer whatever the client's preferred media type, as yoga would choose it.
    const graphqlResponse = await a.query({ query: USER, variables }, { accept: "application/graphql-response+json" });
    expect(graphqlResponse.headers.get("content-type")).toBe("application/graphql-response+json; charset=utf-8");
    expect(graphqlResponse.text).toBe(miss.text);
    // Different variables are a different entry.
    expect((await a.query({ query: USER, variables: { id: "u2" } })).cache).toBe("miss");
  });

  it("never lets two viewers see each other's private results, and never caches them for anonymous callers", async () => {
    const a = await router();
    const [viewer1, viewer2] = [await bearer("u1"), await bearer("u2")];
    for (let round = 0; round < 3; round++) {
      const one = await a.query({ query: ME }, viewer1);
      const two = await a.query({ query: ME }, viewer2);
      expect(one.json.data).toEqual({ me: { id: "u1", name: "Ada", notes: ["note of u1"] } });
      expect(two.json.data).toEqual({ me: { id: "u2", name: "Brian", notes: ["note of u2"] } });
      expect([one.cache, two.cache]).toEqual(round === 0 ? ["miss", "miss"] : ["hit-l1", "hit-l1"]);
      const anonymous = await a.query({ query: ME });
      expect(anonymous).toMatchObject({ cache: "bypass", json: { data: { me: null } } });
    }
    // A public result is shared between viewers and anonymous callers.
    await a.query({ query: USER, variables: { id: "u2" } }, viewer1);
    expect((await a.query({ query: USER, variables: { id: "u2" } }, viewer2)).cache).toBe("hit-l1");
    expect((await a.query({ query: USER, variables: { id: "u2" } })).cache).toBe("hit-l1");
  });

  it("never serves a cached result to an unusable token", async () => {
    const a = await router();
    const viewer = await bearer("u1");
    await a.query({ query: USER, variables: { id: "u1" } }, viewer);
    expect((await a.query({ query: USER, variables: { id: "u1" } }, viewer)).cache).toBe("hit-l1");
    const expired = { authorization: `Bearer ${await signAccessToken(JWT_SECRET, "u1", -60)}` };
    for (const headers of [expired, { authorization: `${viewer.authorization}x` }, { authorization: "Basic abc" }]) {
      const res = await a.query({ query: USER, variables: { id: "u1" } }, headers);
      expect(res.status).toBe(401);
      expect(res.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  it("runs 50 concurrent identical misses upstream once: exactly one fetch per subgraph", async () => {
    const a = await router();
    const before = { ...subgraphs.users.fetches };
    subgraphs.users.hold();
    const requests = Array.from({ length: 50 }, () => a.query({ query: USER, variables: { id: "u2" } }));
    // Every request has either started the one execution or is waiting for it: then let the subgraph answer.
    await waitFor(async () => (await counterValue(a.metrics.inflightDedupes, { kind: "response" })) === 49, {
      timeoutMs: 30_000,
      description: "49 requests waiting for the one in flight",
    });
    subgraphs.users.release();
    const responses = await Promise.all(requests);
    for (const res of responses) expect(res.json).toEqual({ data: { user: { id: "u2", name: "Brian", notes: ["note of u2"] } } });
    expect(subgraphs.users.fetches).toEqual({ accounts: before.accounts + 1, notes: before.notes + 1 });
    expect(responses.filter((r) => r.cache === "miss")).toHaveLength(1);
    expect(responses.filter((r) => r.cache === "hit-inflight")).toHaveLength(49);
  });

  it("deduplicates identical concurrent subgraph fetches even when responses are not cached", async () => {
    const a = await router();
    const before = { ...subgraphs.users.fetches };
    subgraphs.users.hold();
    // Different query texts (ten cache keys) planned into identical subgraph fetches.
    const requests = Array.from({ length: 10 }, (_, i) =>
      a.query({ query: `query ($id: ID!) {${" ".repeat(i + 1)}user(id: $id) { id name } }`, variables: { id: "u1" } }),
    );
    await waitFor(async () => (await counterValue(a.metrics.inflightDedupes, { kind: "subgraph" })) === 9, {
      timeoutMs: 30_000,
      description: "9 subgraph fetches joining the one in flight",
    });
    subgraphs.users.release();
    for (const res of await Promise.all(requests)) expect(res.json).toEqual({ data: { user: { id: "u1", name: "Ada" } } });
    expect(subgraphs.users.fetches.accounts).toBe(before.accounts + 1);
  });

  it("does not cache results with errors", async () => {
    const a = await router();
    for (let i = 0; i < 2; i++) {
      const res = await a.query({ query: "{ flaky }" });
      expect(res.cache).toBe("miss");
      expect(res.json.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    }
  });

  it("invalidates the entities a mutation returns, and those the policy says it changes", async () => {
    const a = await router();
    const get = () => a.query({ query: USER, variables: { id: "u1" } });
    await get();
    expect((await get()).cache).toBe("hit-l1");
    const renamed = await a.query({ query: 'mutation { rename(id: "u1", name: "Ada L.") { name } }' });
    expect(renamed).toMatchObject({ cache: "bypass", json: { data: { rename: { name: "Ada L." } } } });
    expect(await get()).toMatchObject({ cache: "miss", json: { data: { user: { name: "Ada L." } } } });
    // `touch` returns a Boolean: nothing in its result names the user, the policy does.
    expect((await get()).cache).toBe("hit-l1");
    await a.query({ query: 'mutation { touch(id: "u1") }' });
    expect(await get()).toMatchObject({ cache: "miss", json: { data: { user: { name: "Ada L.!" } } } });
    subgraphs.users.names.set("u1", "Ada");
    await a.cache.invalidate([{ typename: "User", id: "u1" }], "mutation");
  });

  it("plans and fetches the client's own document, and evicts a result that does not show its entity's id", async () => {
    const a = await router();
    const get = () => a.query({ query: '{ user(id: "u2") { name } }' });
    expect((await get()).json.data).toEqual({ user: { name: "Brian" } });
    // Nothing added for the cache's sake (no __typename, no id): the planner sees what the client sent.
    expect(subgraphs.users.userSelections[0]).toBe('user(id: "u2") {\n  name\n}');
    expect((await get()).cache).toBe("hit-l1");
    // The result cannot say which user it holds, so a change to any user evicts it.
    await a.cache.invalidate([{ typename: "User", id: "u1" }], "event");
    expect((await get()).cache).toBe("miss");
    expect((await get()).cache).toBe("hit-l1");
    // A mutation whose result names no id (and no policy rule) evicts every result holding a user.
    await a.query({ query: USER, variables: { id: "u1" } });
    await a.query({ query: 'mutation { rename(id: "u2", name: "Bri") { name } }' });
    expect(await get()).toMatchObject({ cache: "miss", json: { data: { user: { name: "Bri" } } } });
    expect((await a.query({ query: USER, variables: { id: "u1" } })).cache).toBe("miss");
    subgraphs.users.names.set("u2", "Brian");
    await a.cache.invalidate([{ typename: "User", id: "u2" }], "mutation");
  });

  it("caches an absent entity until one is created", async () => {
    const a = await router();
    const byName = () => a.query({ query: "query ($n: String!) { userByName(name: $n) { id } }", variables: { n: "Zed" } });
    expect((await byName()).json.data).toEqual({ userByName: null });
    expect((await byName()).cache).toBe("hit-l1");
    subgraphs.users.names.set("u9", "Zed");
    await a.cache.invalidate([{ typename: "User" }], "event");
    expect(await byName()).toMatchObject({ cache: "miss", json: { data: { userByName: { id: "u9" } } } });
    subgraphs.users.names.delete("u9");
  });
});

describe("two router instances sharing Redis and the event bus", () => {
  let bus: InProcessEventBus;
  beforeAll(() => {
    bus = createInProcessEventBus({ logger });
  });
  afterAll(async () => bus?.close());

  it("share results through Redis, and an event evicts both levels on every instance", async () => {
    const keyPrefix = `${uniqueName("rc")}:`;
    const a = await router({ redisUrl: testInfra().redisUrl, keyPrefix, bus, instanceId: "a" });
    const b = await router({ redisUrl: testInfra().redisUrl, keyPrefix, bus, instanceId: "b" });
    await waitFor(() => a.cache.levels.l2Usable && b.cache.levels.l2Usable, { description: "redis connected" });
    const get = (r: CacheTestRouter) => r.query({ query: USER, variables: { id: "u2" } });
    expect((await get(a)).cache).toBe("miss");
    await a.cache.levels.settle();
    expect((await get(b)).cache).toBe("hit-l2");
    expect((await get(b)).cache).toBe("hit-l1");
    expect((await get(a)).cache).toBe("hit-l1");

    // A write elsewhere (another router, a worker): only its domain event reaches these routers.
    subgraphs.users.names.set("u2", "Brian R.");
    const consumed = (r: CacheTestRouter, eventId: string) =>
      new Promise<void>((resolve) => r.cache.onInvalidated((notice) => notice.event?.id === eventId && resolve()));
    const event = createEvent(ProfileUpdated, "u2", {
      userId: "u2",
      displayName: "Brian R.",
      bio: null,
      updatedAt: new Date().toISOString(),
    });
    const both = Promise.all([consumed(a, event.id), consumed(b, event.id)]);
    await bus.publish([event]);
    await both;
    // b fetches afresh (and stores in Redis); a's first level was evicted too, so it reads the fresh entry from Redis.
    expect(await get(b)).toMatchObject({ cache: "miss", json: { data: { user: { name: "Brian R." } } } });
    await b.cache.levels.settle();
    expect(await get(a)).toMatchObject({ cache: "hit-l2", json: { data: { user: { name: "Brian R." } } } });
    subgraphs.users.names.set("u2", "Brian");
    await a.cache.invalidate([{ typename: "User", id: "u2" }], "mutation");
    await b.cache.invalidate([{ typename: "User", id: "u2" }], "mutation");
  });
});

describe("while Redis is down (private Redis, stopped and restarted)", () => {
  let redis: RedisHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.destroy());

  it("serves every request uncached from the second level, then caches in Redis again", async () => {
    const a = await router({ redisUrl: redis.url, keyPrefix: "outage:" });
    await waitFor(() => a.cache.levels.l2Usable, { description: "redis connected" });
    const get = (id: string) => a.query({ query: USER, variables: { id } });
    expect((await get("u1")).cache).toBe("miss");
    await a.cache.levels.settle();

    await redis.stop();
    const during = [];
    for (let i = 0; i < 10; i++) {
      a.cache.levels.l1.clear(); // force the second level to be asked every time
      during.push(await get("u1"));
      a.cache.levels.l1.clear();
      during.push(await get("u2"));
      // An invalidation during the outage is queued, not lost.
      if (i === 5) await a.cache.invalidate([{ typename: "User", id: "u1" }], "event");
    }
    for (const res of during) {
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      expect(res.cache).toBe("miss");
    }
    expect(a.cache.levels.l2Usable).toBe(false);

    await redis.start();
    await waitFor(() => a.cache.levels.l2Usable, { timeoutMs: 30_000, description: "caching in redis resumes" });
    a.cache.levels.l1.clear();
    expect((await get("u2")).cache).toBe("miss");
    await a.cache.levels.settle();
    a.cache.levels.l1.clear();
    expect((await get("u2")).cache).toBe("hit-l2");
  });
});
