import { describe, expect, it, afterAll } from "vitest";
import { runRateLimiterContract } from "@plaza/kit/rate-limit/rate-limiter.contract";
import { createRedisTestClient, uniqueName } from "@plaza/testkit";
import { createRedisRateLimiter } from "./redis-rate-limiter.ts";

// The run's shared Redis, under a unique prefix (nothing here flushes it).
runRateLimiterContract("Redis limiter", async () => {
  const redis = createRedisTestClient({ keyPrefix: `${uniqueName("rl")}:` });
  let seq = 0;
  return {
    make: (policy, now) => createRedisRateLimiter({ ...policy, now, redis, prefix: `limiter-${++seq}:` }),
    close: async () => void (await redis.quit()),
  };
});

describe("Redis limiter keys", () => {
  const prefix = `${uniqueName("rl")}:`;
  const redis = createRedisTestClient({ keyPrefix: prefix });
  afterAll(async () => void (await redis.quit()));

  it("stores one key per limited key, under the limiter's prefix, expiring when its allowance is full again", async () => {
    let clock = 1_800_000_000_000;
    const limiter = createRedisRateLimiter({ redis, prefix: "views:", limit: 2, windowMs: 10_000, now: () => clock });
    await limiter.consume("viewer|post");
    const ttl = await redis.pttl("views:viewer|post");
    // One unit used: full again in 5 s.
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    await limiter.consume("viewer|post");
    expect(await redis.pttl("views:viewer|post")).toBeLessThanOrEqual(10_000);
    // A refused call changes nothing: no TTL extension.
    clock += 1_000;
    expect((await limiter.consume("viewer|post")).allowed).toBe(false);
    expect(await redis.pttl("views:viewer|post")).toBeLessThanOrEqual(10_000);
    expect(await redis.exists("views:viewer|post")).toBe(1);
    await limiter.reset("viewer|post");
    expect(await redis.exists("views:viewer|post")).toBe(0);
  });
});
