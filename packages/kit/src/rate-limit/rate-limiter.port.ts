/**
 * A rate limiter: how many times something may happen per key (a viewer and a post, an account, an IP address).
 * One limiter instance enforces one policy; every key of it is stored under the limiter's own prefix and expires
 * once it no longer restricts anything, so nothing grows without bound.
 *
 * Algorithm (every adapter): GCRA, the generic cell rate algorithm, i.e. a token bucket of `limit` tokens refilled
 * at `limit` per `windowMs`, stored as one number per key (the time the bucket is full again). A fresh key allows a
 * burst of `limit`; after that one more every `windowMs / limit`. The wait it reports is exact, a refused call
 * consumes nothing (hammering does not extend the wait), and a key's state is one small value with a TTL — unlike
 * a log of timestamps (memory grows with the limit) or fixed windows (their wait jumps to the window's end).
 */
export interface RateLimitPolicy {
  /** Calls (units of cost) allowed in a burst, and refilled per `windowMs`. */
  limit: number;
  windowMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Units that could still be consumed right now (after this call, if it was allowed). */
  remaining: number;
  /** 0 when allowed; otherwise how long until this same call would be allowed (ms, rounded up). */
  retryAfterMs: number;
}

export interface RateLimiter {
  readonly policy: RateLimitPolicy;
  /**
   * Takes `cost` units (default 1, an integer from 1 to `limit`) for `key` if they are available; otherwise takes
   * nothing. Atomic: concurrent calls never together exceed the limit. Throws RangeError for an invalid cost.
   */
  consume(key: string, cost?: number): Promise<RateLimitDecision>;
  /** Forgets `key` (its full allowance is back), e.g. failed sign-ins after a successful one. */
  reset(key: string): Promise<void>;
}

export interface RateLimiterOptions extends RateLimitPolicy {
  /** The clock, in ms (tests move it by hand). Default `Date.now`. */
  now?: () => number;
}

/** The policy in whole microseconds: exact integer arithmetic in JavaScript and in Redis's Lua alike. */
export interface GcraParams {
  /** Time one unit takes to come back: ⌈windowMs / limit⌉ (µs). */
  intervalUs: number;
  /** How far ahead of now the bucket's "full again" time may be: intervalUs × limit (µs). */
  burstUs: number;
}

export function validatePolicy(policy: RateLimitPolicy): GcraParams {
  const { limit, windowMs } = policy;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit: limit must be a positive integer, got ${limit}`);
  if (!Number.isInteger(windowMs) || windowMs < 1)
    throw new RangeError(`rate limit: windowMs must be a positive integer, got ${windowMs}`);
  const intervalUs = Math.ceil((windowMs * 1000) / limit);
  return { intervalUs, burstUs: intervalUs * limit };
}

export function validateCost(cost: number, policy: RateLimitPolicy): number {
  if (!Number.isInteger(cost) || cost < 1 || cost > policy.limit) {
    throw new RangeError(`rate limit: cost must be an integer from 1 to ${policy.limit}, got ${cost}`);
  }
  return cost;
}

export interface GcraStep {
  decision: RateLimitDecision;
  /** The key's new "full again" time (µs) when the call was allowed; null when refused (state unchanged). */
  nextTatUs: number | null;
}

/**
 * One GCRA step. `tatUs`: the stored "full again" time or null (absent: full). Mirrors the Redis script line by
 * line — the adapters must decide alike.
 */
export function gcraStep(params: GcraParams, tatUs: number | null, nowUs: number, cost: number): GcraStep {
  const tat = tatUs === null || tatUs < nowUs ? nowUs : tatUs;
  const next = tat + cost * params.intervalUs;
  const allowAt = next - params.burstUs;
  if (allowAt > nowUs) {
    return {
      decision: {
        allowed: false,
        remaining: Math.floor((params.burstUs - (tat - nowUs)) / params.intervalUs),
        retryAfterMs: Math.ceil((allowAt - nowUs) / 1000),
      },
      nextTatUs: null,
    };
  }
  return {
    decision: { allowed: true, remaining: Math.floor((params.burstUs - (next - nowUs)) / params.intervalUs), retryAfterMs: 0 },
    nextTatUs: next,
  };
}
