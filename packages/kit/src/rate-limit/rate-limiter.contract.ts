import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RateLimiter, RateLimitPolicy } from "./rate-limiter.port.ts";

export interface RateLimiterFactory {
  /** A limiter with this policy and clock, its keys apart from every other limiter made (its own prefix). */
  make(policy: RateLimitPolicy, now: () => number): RateLimiter;
  close(): Promise<void>;
}

/**
 * One behaviour, every adapter: the same suite runs on the in-memory limiter (unit) and the Redis one (integration).
 * The clock is the test's: no test waits for real time.
 */
export function runRateLimiterContract(name: string, open: () => Promise<RateLimiterFactory>) {
  describe(`RateLimiter contract: ${name}`, () => {
    let factory: RateLimiterFactory;
    let clock = 1_800_000_000_000;
    const now = () => clock;
    let seq = 0;
    const key = () => `key-${++seq}`;
    const make = (policy: RateLimitPolicy) => factory.make(policy, now);

    beforeAll(async () => {
      factory = await open();
    });
    afterAll(async () => {
      await factory?.close();
    });

    it("allows a burst of `limit`, then refuses with the exact wait and consumes nothing while refusing", async () => {
      const limiter = make({ limit: 3, windowMs: 30_000 });
      const k = key();
      const burst = [];
      for (let i = 0; i < 3; i++) burst.push(await limiter.consume(k));
      expect(burst).toEqual([
        { allowed: true, remaining: 2, retryAfterMs: 0 },
        { allowed: true, remaining: 1, retryAfterMs: 0 },
        { allowed: true, remaining: 0, retryAfterMs: 0 },
      ]);
      // One unit comes back every windowMs / limit = 10 s.
      expect(await limiter.consume(k)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 10_000 });
      clock += 4_000;
      for (let i = 0; i < 5; i++) expect(await limiter.consume(k)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 6_000 });
      clock += 6_000;
      expect(await limiter.consume(k)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
      expect((await limiter.consume(k)).allowed).toBe(false);
    });

    it("gives the whole allowance back once a window has passed without calls", async () => {
      const limiter = make({ limit: 2, windowMs: 1_000 });
      const k = key();
      await limiter.consume(k);
      await limiter.consume(k);
      clock += 1_000;
      expect(await limiter.consume(k)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
      clock += 60_000;
      expect(await limiter.consume(k)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
    });

    it("keeps keys apart, and limiters apart", async () => {
      const one = make({ limit: 1, windowMs: 60_000 });
      const two = make({ limit: 1, windowMs: 60_000 });
      const [a, b] = [key(), key()];
      expect((await one.consume(a)).allowed).toBe(true);
      expect((await one.consume(a)).allowed).toBe(false);
      expect((await one.consume(b)).allowed).toBe(true);
      // Another limiter (another policy, another prefix) with the same key names.
      expect((await two.consume(a)).allowed).toBe(true);
    });

    it("takes a cost of several units at once, or nothing when fewer are left", async () => {
      const limiter = make({ limit: 5, windowMs: 5_000 });
      const k = key();
      expect(await limiter.consume(k, 4)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
      expect(await limiter.consume(k, 2)).toEqual({ allowed: false, remaining: 1, retryAfterMs: 1_000 });
      expect(await limiter.consume(k, 1)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
      expect(await limiter.consume(k, 5)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 5_000 });
    });

    it("refuses invalid costs with RangeError", async () => {
      const limiter = make({ limit: 3, windowMs: 1_000 });
      for (const cost of [0, -1, 1.5, 4, Number.NaN]) await expect(limiter.consume(key(), cost)).rejects.toThrow(RangeError);
    });

    it("counts a limit that does not divide the window exactly without rounding a call away", async () => {
      // 10 s / 3 is not a whole number of milliseconds: the three calls of a burst must all pass.
      const limiter = make({ limit: 3, windowMs: 10_000 });
      const k = key();
      for (let i = 0; i < 3; i++) expect((await limiter.consume(k)).allowed).toBe(true);
      const refused = await limiter.consume(k);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBe(3_334);
      clock += refused.retryAfterMs;
      expect((await limiter.consume(k)).allowed).toBe(true);
    });

    it("forgets a key on reset", async () => {
      const limiter = make({ limit: 1, windowMs: 60_000 });
      const k = key();
      await limiter.consume(k);
      expect((await limiter.consume(k)).allowed).toBe(false);
      await limiter.reset(k);
      expect((await limiter.consume(k)).allowed).toBe(true);
      await limiter.reset(key()); // an unknown key is fine
    });

    it("never allows more than the limit under concurrent calls", async () => {
      const limiter = make({ limit: 10, windowMs: 60_000 });
      const k = key();
      const decisions = await Promise.all(Array.from({ length: 100 }, () => limiter.consume(k)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterMs > 0 && d.retryAfterMs <= 6_000)).toBe(true);
    });

    it("accepts any string as a key", async () => {
      const limiter = make({ limit: 1, windowMs: 60_000 });
      for (const k of ["", "a:b|c", "ключ 🔑", "x".repeat(1_000), "\u0000\n"]) {
        expect((await limiter.consume(k)).allowed).toBe(true);
        expect((await limiter.consume(k)).allowed).toBe(false);
      }
    });
  });
}
