import { describe, expect, it } from "vitest";
import { BucketMapError, bucketOfKey, evenBucketMap, parseBucketMap, randomBucket } from "./buckets.ts";

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof BucketMapError) return error.problems;
    throw error;
  }
  throw new Error("expected a BucketMapError");
}

describe("bucketOfKey", () => {
  it("is stable (golden values; never update them)", () => {
    expect(["user-1", "user-2", "conv-42", "alice@example.com"].map((key) => bucketOfKey(key))).toEqual([867, 971, 916, 230]);
    expect(bucketOfKey("user-1")).toBe(4171401059 % 1024);
    expect(bucketOfKey("user-1", 16)).toBe(4171401059 % 16);
  });

  it("stays within the bucket count", () => {
    for (let i = 0; i < 1000; i++) {
      const bucket = bucketOfKey(`k${i}`, 7);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(7);
    }
    for (let i = 0; i < 100; i++) expect(randomBucket(3)).toBeLessThan(3);
  });
});

describe("evenBucketMap", () => {
  it("gives each shard one contiguous, near-equal slice", () => {
    expect(evenBucketMap(1024, 2).toString()).toBe("0-511:shard0,512-1023:shard1");
    const three = evenBucketMap(1024, 3);
    expect(three.toString()).toBe("0-340:shard0,341-681:shard1,682-1023:shard2");
    expect(three.shardOf(0)).toBe("shard0");
    expect(three.shardOf(341)).toBe("shard1");
    expect(three.shardOf(1023)).toBe("shard2");
    expect(evenBucketMap(4, ["a", "b"]).toJSON()).toEqual({ a: ["0-1"], b: ["2-3"] });
  });

  it("rejects impossible layouts", () => {
    expect(problemsOf(() => evenBucketMap(2, 3))).toEqual(["3 shards cannot share 2 buckets"]);
    expect(problemsOf(() => evenBucketMap(0, 1))[0]).toMatch(/bucket count must be an integer/);
    expect(problemsOf(() => evenBucketMap(8, ["a", "a"]))).toEqual(["duplicate shard names in a,a"]);
  });

  it("throws RangeError for a bucket outside the map", () => {
    const map = evenBucketMap(8, 2);
    expect(() => map.shardOf(8)).toThrow(RangeError);
    expect(() => map.shardOf(-1)).toThrow(RangeError);
    expect(() => map.shardOf(1.5)).toThrow(RangeError);
  });
});

describe("parseBucketMap", () => {
  it("parses the text form, merging adjacent ranges and accepting shard indexes", () => {
    const map = parseBucketMap(" 0-255:shard0, 256-511:0 ,512-767:shard1,768-1023:shard2 ", { bucketCount: 1024 });
    expect(map.ranges()).toEqual([
      { from: 0, to: 511, shard: "shard0" },
      { from: 512, to: 767, shard: "shard1" },
      { from: 768, to: 1023, shard: "shard2" },
    ]);
    expect(map.shards).toEqual(["shard0", "shard1", "shard2"]);
  });

  it("supports moving buckets: non-contiguous ranges and single buckets", () => {
    const map = parseBucketMap("0-340:shard0,341-511:shard2,512-852:shard1,853-1022:shard2,1023:shard0", { bucketCount: 1024 });
    expect(map.rangesOf("shard2")).toEqual([
      { from: 341, to: 511, shard: "shard2" },
      { from: 853, to: 1022, shard: "shard2" },
    ]);
    expect(map.shardOf(1023)).toBe("shard0");
    expect(map.toJSON()).toEqual({ shard0: ["0-340", "1023"], shard2: ["341-511", "853-1022"], shard1: ["512-852"] });
  });

  it("parses the JSON form and round-trips both forms", () => {
    const map = parseBucketMap('{"shard0":["0-511"],"shard1":"512-1023"}', { bucketCount: 1024 });
    expect(map.toString()).toBe("0-511:shard0,512-1023:shard1");
    expect(parseBucketMap(map.toString(), { bucketCount: 1024 }).toJSON()).toEqual(map.toJSON());
    expect(parseBucketMap(JSON.stringify(map.toJSON()), { bucketCount: 1024 }).toString()).toBe(map.toString());
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(() =>
      parseBucketMap("0-99:shard0,90-200:shard1,300-250:shard1,nonsense,x-y:shard0,0-2000:shard0,500-1023:shard9", {
        bucketCount: 1024,
        shards: ["shard0", "shard1"],
      }),
    );
    expect(problems).toEqual([
      '"nonsense": expected "range:shard", e.g. "0-511:shard0"',
      '"90-200:shard1": overlaps buckets already given to shard0',
      '"300-250:shard1": range start 300 is after its end 250',
      '"x-y:shard0": range must look like "from-to" or "n" with whole numbers',
      '"0-2000:shard0": bucket 2000 is outside 0..1023',
      '"500-1023:shard9": unknown shard shard9 (configured: shard0, shard1)',
      "buckets not assigned to any shard: 201-1023",
    ]);
  });

  it("rejects empty maps, bad JSON and bad bucket counts", () => {
    expect(problemsOf(() => parseBucketMap("", { bucketCount: 4 }))).toEqual(["buckets not assigned to any shard: 0-3"]);
    expect(problemsOf(() => parseBucketMap("{oops", { bucketCount: 4 }))[0]).toMatch(/^not valid JSON/);
    expect(problemsOf(() => parseBucketMap('["0-3"]', { bucketCount: 4 }))[0]).toMatch(/must be an object/);
    expect(problemsOf(() => parseBucketMap('{"a":[true]}', { bucketCount: 4 }))[0]).toMatch(/ranges must be strings/);
    expect(problemsOf(() => parseBucketMap("0-3:a", { bucketCount: 40_000 }))[0]).toMatch(/1\.\.32768/);
    expect(problemsOf(() => parseBucketMap("0-3:bad name", { bucketCount: 4 }))[0]).toMatch(/shard name/);
  });
});
