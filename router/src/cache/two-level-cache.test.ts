import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { createLogger } from "@plaza/kit";
import { createRouterMetrics } from "../metrics.ts";
import { createL1Cache } from "./l1-cache.ts";
import type { RedisCacheStore } from "./redis-cache-store.ts";
import { createTwoLevelCache } from "./two-level-cache.ts";

/** Stands in for Redis: a map, a reachability switch, and a log of invalidations it received. */
function fakeRedis() {
  const connection = Object.assign(new EventEmitter(), { status: "ready" });
  const data = new Map<string, { body: string; tags: string[] }>();
  const invalidated: string[][] = [];
  const check = () => {
    if (connection.status !== "ready") throw new Error("Connection is closed.");
  };
  const store: RedisCacheStore = {
    async get(key) {
      check();
      const hit = data.get(key);
      return { hit: hit ? { ...hit, pttlMs: 10_000 } : null, readAt: "1" };
    },
    async set(key, body, tags) {
      check();
      data.set(key, { body, tags: [...tags] });
      return true;
    },
    async invalidate(tags) {
      check();
      invalidated.push([...tags]);
      for (const [key, entry] of data) if (entry.tags.some((t) => tags.includes(t))) data.delete(key);
      return 0;
    },
  };
  return {
    store,
    connection,
    data,
    invalidated,
    down: () => (connection.status = "reconnecting"),
    up: () => {
      connection.status = "ready";
      connection.emit("ready");
    },
  };
}

const logger = createLogger({ service: "test", level: "silent" });
const setup = (maxQueuedInvalidations?: number) => {
  const redis = fakeRedis();
  const cache = createTwoLevelCache({
    l1: createL1Cache({ maxBytes: 1_000_000 }),
    l2: redis,
    maxTtlMs: 60_000,
    horizonMs: 60_000,
    metrics: createRouterMetrics({ defaultMetrics: false }),
    logger,
    maxQueuedInvalidations,
  });
  return { redis, cache };
};

describe("two-level cache", () => {
  it("reads L1, then L2, and copies L2 hits into L1", async () => {
    const { redis, cache } = setup();
    redis.data.set("k", { body: "B", tags: ["User:1"] });
    const l1 = cache.lookupL1("k");
    expect(l1.outcome).toBe("miss");
    expect((await cache.lookupL2("k", l1.mark)).outcome).toBe("hit-l2");
    expect(cache.lookupL1("k").outcome).toBe("hit-l1");
  });

  it("serves misses without Redis while it is down, and queues invalidations until it is back", async () => {
    const { redis, cache } = setup();
    redis.down();
    const l1 = cache.lookupL1("k");
    expect(await cache.lookupL2("k", l1.mark)).toMatchObject({ outcome: "miss" });
    await cache.invalidate(["User:1"], "event");
    expect(cache.l2Usable).toBe(false);
    redis.data.set("stale", { body: "old", tags: ["User:1"] }); // what Redis still holds from before the outage
    redis.up();
    await cache.settle();
    expect(redis.invalidated).toEqual([["User:1"]]);
    expect(redis.data.has("stale")).toBe(false);
    expect(cache.l2Usable).toBe(true);
  });

  it("stops using L2 for a TTL when more invalidations were missed than it can queue", async () => {
    const { redis, cache } = setup(2);
    redis.down();
    await cache.invalidate(["User:1", "User:2", "User:3"], "event");
    redis.up();
    await cache.settle();
    expect(cache.l2Usable).toBe(false);
    expect(redis.invalidated).toEqual([]);
  });

  it("writes to L2 only what was read from it first (the tombstone check needs the read time)", async () => {
    const { redis, cache } = setup();
    const l1 = cache.lookupL1("k");
    const l2 = await cache.lookupL2("k", l1.mark);
    cache.store("k", Buffer.from("B"), ["User:1"], 1_000, l2.mark);
    cache.store("no-l2-read", Buffer.from("B"), ["User:1"], 1_000, cache.newMark());
    await cache.settle();
    expect([...redis.data.keys()]).toEqual(["k"]);
  });

  it("keeps results with unidentified entities in L1, and never sends their tags to Redis", async () => {
    const { redis, cache } = setup();
    const l2 = await cache.lookupL2("blind", cache.lookupL1("blind").mark);
    cache.store("blind", Buffer.from("B"), ["Post#unidentified", "Post#any"], 1_000, l2.mark);
    await cache.settle();
    expect(redis.data.has("blind")).toBe(false);
    expect(cache.lookupL1("blind").body?.toString()).toBe("B");
    await cache.invalidate(["Post:1", "Post#unidentified"], "event");
    expect(redis.invalidated).toEqual([["Post:1"]]);
    expect(cache.lookupL1("blind").body).toBeUndefined();
  });
});
