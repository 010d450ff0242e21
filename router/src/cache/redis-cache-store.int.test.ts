import { afterAll, describe, expect, it } from "vitest";
import { createRedisTestClient, uniqueName } from "@plaza/testkit";
import { createRedisCacheStore } from "./redis-cache-store.ts";

const redis = createRedisTestClient();
afterAll(() => redis.disconnect());
const newStore = () => createRedisCacheStore({ redis, keyPrefix: `${uniqueName("rcs")}:`, tombstoneMs: 60_000 });

describe("Redis cache store (real Redis)", () => {
  it("stores a response with its tags and TTL", async () => {
    const store = newStore();
    const miss = await store.get("k");
    expect(miss.hit).toBeNull();
    expect(miss.readAt).toMatch(/^\d{16}$/);
    expect(await store.set("k", '{"data":{}}', ["User:1", "Post:2"], 5_000, miss.readAt)).toBe(true);
    const hit = await store.get("k");
    expect(hit.hit).toMatchObject({ body: '{"data":{}}', tags: ["User:1", "Post:2"] });
    expect(hit.hit!.pttlMs).toBeGreaterThan(0);
    expect(hit.hit!.pttlMs).toBeLessThanOrEqual(5_000);
  });

  it("deletes every response carrying an invalidated tag, and only those", async () => {
    const store = newStore();
    const { readAt } = await store.get("a");
    await store.set("a", "A", ["User:1"], 60_000, readAt);
    await store.set("b", "B", ["User:1", "Post:1"], 60_000, readAt);
    await store.set("c", "C", ["User:2"], 60_000, readAt);
    expect(await store.invalidate(["User:1"])).toBe(2);
    expect((await store.get("a")).hit).toBeNull();
    expect((await store.get("b")).hit).toBeNull();
    expect((await store.get("c")).hit?.body).toBe("C");
  });

  it("sends invalidations made in one turn as one script call, and never joins one already sent", async () => {
    const store = newStore();
    const { readAt } = await store.get("a");
    await store.set("a", "A", ["Counter:1"], 60_000, readAt);
    await store.set("b", "B", ["Post:1"], 60_000, readAt);
    const calls: number[] = [];
    const original = (redis as unknown as { plazaCacheInvalidate: (...a: unknown[]) => Promise<number> }).plazaCacheInvalidate;
    const spy = (...args: unknown[]) => {
      calls.push(args.length);
      return original.apply(redis, args);
    };
    (redis as unknown as { plazaCacheInvalidate: typeof spy }).plazaCacheInvalidate = spy;
    try {
      const first = Promise.all([store.invalidate(["Counter:1"]), store.invalidate(["Post:1", "Counter:1"])]);
      expect(await first).toEqual([2, 2]);
      expect(calls).toHaveLength(1);
      // Called after the first batch went out: a batch of its own.
      await store.invalidate(["Post:1"]);
      expect(calls).toHaveLength(2);
    } finally {
      (redis as unknown as { plazaCacheInvalidate: typeof original }).plazaCacheInvalidate = original;
    }
    expect((await store.get("a")).hit).toBeNull();
    expect((await store.get("b")).hit).toBeNull();
  });

  it("while a call is in flight, gathers the invalidations of later turns into the next call", async () => {
    const store = newStore();
    const { readAt } = await store.get("a");
    for (const key of ["a", "b", "c"]) await store.set(key, key.toUpperCase(), [`Counter:${key}`], 60_000, readAt);
    const calls: string[][] = [];
    const original = (redis as unknown as { plazaCacheInvalidate: (...a: unknown[]) => Promise<number> }).plazaCacheInvalidate;
    const spy = async (...args: unknown[]) => {
      calls.push(args.filter((a): a is string => typeof a === "string" && a.includes(":e:")).map((a) => a.split(":e:")[1]!));
      // A slow answer, so the next calls come in over several turns while this one is in flight.
      await new Promise((resolve) => setTimeout(resolve, 20));
      return original.apply(redis, args);
    };
    (redis as unknown as { plazaCacheInvalidate: typeof spy }).plazaCacheInvalidate = spy;
    try {
      const first = store.invalidate(["Counter:a"]);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const second = store.invalidate(["Counter:b"]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const third = store.invalidate(["Counter:c"]);
      expect(await Promise.all([first, second, third])).toEqual([1, 2, 2]);
      expect(calls).toEqual([["Counter:a"], ["Counter:b", "Counter:c"]]);
    } finally {
      (redis as unknown as { plazaCacheInvalidate: typeof original }).plazaCacheInvalidate = original;
    }
    for (const key of ["a", "b", "c"]) expect((await store.get(key)).hit).toBeNull();
  });

  it("refuses data read before an invalidation of one of its entities", async () => {
    const store = newStore();
    const before = await store.get("k");
    await store.invalidate(["User:1"]);
    expect(await store.set("k", "old", ["User:1"], 60_000, before.readAt)).toBe(false);
    expect((await store.get("k")).hit).toBeNull();
    expect(await store.set("k", "unrelated", ["User:9"], 60_000, before.readAt)).toBe(true);
    const after = await store.get("k2");
    expect(await store.set("k2", "new", ["User:1"], 60_000, after.readAt)).toBe(true);
  });

  it("keeps a tag set alive as long as its longest-lived response", async () => {
    const prefix = `${uniqueName("rcs")}:`;
    const store = createRedisCacheStore({ redis, keyPrefix: prefix, tombstoneMs: 60_000, trimProbability: 1 });
    const { readAt } = await store.get("long");
    await store.set("long", "L", ["User:1"], 50_000, readAt);
    await store.set("short", "S", ["User:1"], 1_000, readAt);
    expect(await redis.pttl(`${prefix}rc:e:User:1`)).toBeGreaterThan(40_000);
    expect(await redis.smembers(`${prefix}rc:e:User:1`)).toHaveLength(2);
  });
});
