import type { Redis } from "ioredis";
import { validateCost, validatePolicy, type RateLimitDecision, type RateLimiter, type RateLimiterOptions } from "@plaza/kit";

/**
 * GCRA in one script (atomic: concurrent calls never together exceed the limit; one round trip). It mirrors kit's
 * `gcraStep`. KEYS[1]: the key's "full again" time (µs, a string). ARGV: now (µs), cost, interval (µs), burst (µs).
 * → { allowed 0|1, remaining, retry after (ms) }. Integers throughout; written with %d because Lua's tostring
 * keeps only 14 digits. The key expires when its bucket is full again: an absent key means a full allowance.
 */
const CONSUME = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nxt = tat + cost * interval
local allow_at = nxt - burst
if allow_at > now then
  return { 0, math.floor((burst - (tat - now)) / interval), math.ceil((allow_at - now) / 1000) }
end
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000))
return { 1, math.floor((burst - (nxt - now)) / interval), 0 }`;

const COMMAND = "plazaRateLimitConsume";

export interface RedisRateLimiterOptions extends RateLimiterOptions {
  /** The service's client (its REDIS_KEY_PREFIX applies on top). */
  redis: Redis;
  /**
   * This limiter's own key prefix, e.g. `rl:signin:account:`: limiters with different policies must not share
   * keys. Keys are `<prefix><key>`.
   */
  prefix: string;
  /** Called once per Redis call (a service's round-trip metric). */
  onRoundTrip?: () => void;
}

type WithConsume = Redis & {
  [COMMAND](key: string, now: string, cost: number, interval: number, burst: number): Promise<[number, number, number]>;
};

/**
 * The rate limiter every instance of a service shares, on Redis. Time is the caller's clock (in ARGV, which keeps
 * the script deterministic): instances' clocks must agree (NTP); a skew between two shifts their limits by as much.
 * Redis must not evict these keys early (`noeviction` or a `volatile-*` policy only drops them, i.e. forgives).
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const policy = { limit: options.limit, windowMs: options.windowMs };
  const { intervalUs, burstUs } = validatePolicy(policy);
  const now = options.now ?? Date.now;
  const redis = options.redis as WithConsume;
  if (typeof redis[COMMAND] !== "function") redis.defineCommand(COMMAND, { lua: CONSUME, numberOfKeys: 1 });
  return {
    policy,
    async consume(key: string, cost = 1): Promise<RateLimitDecision> {
      validateCost(cost, policy);
      options.onRoundTrip?.();
      const nowUs = String(Math.floor(now() * 1000));
      const [allowed, remaining, retryAfterMs] = await redis[COMMAND](options.prefix + key, nowUs, cost, intervalUs, burstUs);
      return { allowed: allowed === 1, remaining, retryAfterMs };
    },
    async reset(key: string) {
      options.onRoundTrip?.();
      await redis.del(options.prefix + key);
    },
  };
}
