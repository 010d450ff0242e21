import { describe, expect, it } from "vitest";
import { createMemoryRateLimiter } from "./memory-rate-limiter.ts";
import { runRateLimiterContract } from "./rate-limiter.contract.ts";

runRateLimiterContract("in-memory limiter", async () => ({
  make: (policy, now) => createMemoryRateLimiter({ ...policy, now }),
  close: async () => undefined,
}));

describe("in-memory limiter bounds", () => {
  it("drops keys once they restrict nothing", async () => {
    let clock = 0;
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 1_000, now: () => clock });
    for (let i = 0; i < 50; i++) await limiter.consume(`k${i}`);
    expect(limiter.size).toBe(50);
    clock += 1_000;
    // Each call sweeps a couple of expired keys: calls drain the garbage.
    for (let i = 0; i < 30; i++) await limiter.consume("busy");
    expect(limiter.size).toBe(1);
  });

  it("holds at most maxEntries keys under a flood of distinct keys, forgetting the least recently consumed", async () => {
    let clock = 0;
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 60_000, maxEntries: 100, now: () => clock });
    await limiter.consume("victim");
    for (let i = 0; i < 10_000; i++) {
      clock += 1;
      await limiter.consume(`flood-${i}`);
      expect(limiter.size).toBeLessThanOrEqual(100);
    }
    expect((await limiter.consume("flood-9999")).allowed).toBe(false);
    // The oldest key was forgotten to keep the bound.
    expect((await limiter.consume("victim")).allowed).toBe(true);
  });

  it("refuses an invalid policy", () => {
    expect(() => createMemoryRateLimiter({ limit: 0, windowMs: 1_000 })).toThrow(RangeError);
    expect(() => createMemoryRateLimiter({ limit: 1, windowMs: 0.5 })).toThrow(RangeError);
    expect(() => createMemoryRateLimiter({ limit: 1, windowMs: 1_000, maxEntries: 0 })).toThrow(RangeError);
  });
});
