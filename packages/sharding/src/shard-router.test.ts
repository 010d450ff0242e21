import { describe, expect, it } from "vitest";
import { parseBucketMap } from "./buckets.ts";
import { newId } from "./ids.ts";
import { createShardRouter } from "./shard-router.ts";

const shards = [
  { name: "shard0", client: { db: "a" } },
  { name: "shard1", client: { db: "b" } },
];

describe("createShardRouter", () => {
  it("routes buckets, keys and ids with the default even map", () => {
    const router = createShardRouter({ shards, bucketCount: 1024 });
    expect(router.forBucket(0).client.db).toBe("a");
    expect(router.forBucket(511).name).toBe("shard0");
    expect(router.forBucket(512).name).toBe("shard1");
    expect(router.forKey("user-1")).toBe(router.forBucket(router.bucketOfKey("user-1")));
    expect(router.forId(newId(900))?.name).toBe("shard1");
    expect(router.all()).toEqual(shards);
    expect(router.byName("shard1")).toBe(shards[1]);
  });

  it("follows an explicit map", () => {
    const router = createShardRouter({ shards, bucketMap: parseBucketMap("0-9:shard1,10-15:shard0", { bucketCount: 16 }) });
    expect(router.bucketCount).toBe(16);
    expect(router.forBucket(3).name).toBe("shard1");
    expect(router.forBucket(12).name).toBe("shard0");
  });

  it("returns null for malformed ids or ids with a bucket beyond this router", () => {
    const router = createShardRouter({ shards, bucketCount: 16 });
    expect(router.forId("nope")).toBeNull();
    expect(router.forId(undefined)).toBeNull();
    expect(router.forId(newId(16))).toBeNull();
    expect(() => router.forBucket(16)).toThrow(RangeError);
  });

  it("makes ids that route where intended", () => {
    const router = createShardRouter({ shards });
    const key = "conversation-7";
    expect(router.forId(router.newIdForKey(key))).toBe(router.forKey(key));
    const parent = router.newId();
    expect(router.bucketOfId(router.newIdBeside(parent))).toBe(router.bucketOfId(parent));
    expect(() => router.newIdBeside("bad")).toThrow(RangeError);
  });

  it("groups ids by shard, deduplicated, leaving malformed ids out", () => {
    const router = createShardRouter({ shards, bucketCount: 4 });
    const a1 = newId(0);
    const a2 = newId(1);
    const b1 = newId(3);
    const groups = router.groupIdsByShard([a1, b1, "bad", a2, a1, 7]);
    expect(groups).toEqual([
      { shard: shards[0], ids: [a1, a2] },
      { shard: shards[1], ids: [b1] },
    ]);
  });

  it("loads a batch with one fetch per shard, aligned with the input", async () => {
    const router = createShardRouter({ shards, bucketCount: 4 });
    const a = newId(0);
    const b = newId(2);
    const missing = newId(3);
    const calls: Array<{ shard: string; ids: string[] }> = [];
    const result = await router.loadByIds(
      [b, "bad", a, missing, a],
      async (shard, ids) => {
        calls.push({ shard: shard.name, ids });
        return ids.filter((id) => id !== missing).map((id) => ({ id, on: shard.name }));
      },
      (row) => row.id,
    );
    expect(result).toEqual([{ id: b, on: "shard1" }, null, { id: a, on: "shard0" }, null, { id: a, on: "shard0" }]);
    expect(calls).toEqual([
      { shard: "shard1", ids: [b, missing] },
      { shard: "shard0", ids: [a] },
    ]);
  });

  it("refuses inconsistent configuration", () => {
    expect(() => createShardRouter({ shards: [shards[0]!, shards[0]!] })).toThrow(/duplicate shard name/);
    expect(() => createShardRouter({ shards, bucketMap: parseBucketMap("0-3:shard7", { bucketCount: 4 }) })).toThrow(
      /not configured: shard7/,
    );
  });
});
