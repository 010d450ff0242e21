import { describe, expect, it } from "vitest";
import { createL1Cache } from "./l1-cache.ts";

const body = (text: string) => Buffer.from(text);

describe("L1 cache", () => {
  it("returns what was stored until its TTL passes", () => {
    let now = 1_000;
    const l1 = createL1Cache({ maxBytes: 10_000, now: () => now });
    expect(l1.set("k", body('{"data":1}'), ["User:1"], 500, l1.seq())).toBe(true);
    expect(l1.get("k")?.body.toString()).toBe('{"data":1}');
    now += 499;
    expect(l1.get("k")).toBeDefined();
    now += 1;
    expect(l1.get("k")).toBeUndefined();
    expect(l1.bytes).toBe(0);
  });

  it("evicts least recently used entries to stay within its byte budget", () => {
    let now = 0;
    const l1 = createL1Cache({ maxBytes: 3 * (100 + 1 + 160), now: () => now });
    for (const key of ["a", "b", "c"]) l1.set(key, Buffer.alloc(100), [], 60_000, l1.seq());
    now += 2_000; // recency is refreshed at most once a second per entry
    l1.get("a"); // a becomes most recently used
    l1.set("d", Buffer.alloc(100), [], 60_000, l1.seq());
    expect([...["a", "b", "c", "d"]].filter((k) => l1.get(k))).toEqual(["a", "c", "d"]);
    expect(l1.bytes).toBeLessThanOrEqual(3 * 261);
    expect(l1.set("huge", Buffer.alloc(10_000), [], 60_000, l1.seq())).toBe(false);
  });

  it("invalidates every entry carrying a tag, and only those", () => {
    const l1 = createL1Cache({ maxBytes: 100_000 });
    l1.set("post", body("p"), ["Post:1", "User:7"], 60_000, l1.seq());
    l1.set("user", body("u"), ["User:7"], 60_000, l1.seq());
    l1.set("other", body("o"), ["User:8"], 60_000, l1.seq());
    expect(l1.invalidate(["User:7"])).toBe(2);
    expect(l1.get("post")).toBeUndefined();
    expect(l1.get("user")).toBeUndefined();
    expect(l1.get("other")).toBeDefined();
  });

  it("refuses data read before an invalidation of one of its entities", () => {
    const l1 = createL1Cache({ maxBytes: 100_000 });
    const readSeq = l1.seq();
    l1.invalidate(["User:1"]);
    expect(l1.set("k", body("old"), ["User:1"], 60_000, readSeq)).toBe(false);
    expect(l1.set("k", body("unrelated"), ["User:2"], 60_000, readSeq)).toBe(true);
    expect(l1.set("k", body("new"), ["User:1"], 60_000, l1.seq())).toBe(true);
  });

  it("is conservative once old invalidations were forgotten", () => {
    let now = 0;
    const l1 = createL1Cache({ maxBytes: 100_000, invalidationHorizonMs: 1_000, now: () => now });
    const readSeq = l1.seq();
    l1.invalidate(["User:1"]);
    now += 2_000;
    l1.invalidate(["User:2"]); // forgets User:1's invalidation
    expect(l1.wasInvalidatedSince(["User:3"], readSeq)).toBe(true);
    expect(l1.wasInvalidatedSince(["User:3"], l1.seq())).toBe(false);
  });
});
