import {
  gcraStep,
  validateCost,
  validatePolicy,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
} from "./rate-limiter.port.ts";

export interface MemoryRateLimiterOptions extends RateLimiterOptions {
  /**
   * Most keys held (default 100,000). Expired keys are dropped as calls come; when the limiter is full of live
   * keys, the least recently consumed one is forgotten (its allowance comes back early): memory stays bounded even
   * under a flood of distinct keys, at the price of forgiving the quietest key.
   */
  maxEntries?: number;
}

export interface MemoryRateLimiter extends RateLimiter {
  /** Keys held right now. */
  readonly size: number;
}

/** Expired keys checked per call: the garbage drains as fast as calls come, at a constant cost per call. */
const SWEEP_PER_CALL = 2;
/** Expired keys looked for before forgetting a live key when full. */
const SWEEP_WHEN_FULL = 64;

/** The in-process limiter: one process (the embedded default, tests); several instances need the Redis one. */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): MemoryRateLimiter {
  const policy = { limit: options.limit, windowMs: options.windowMs };
  const params = validatePolicy(policy);
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new RangeError(`rate limit: maxEntries must be ≥ 1, got ${maxEntries}`);
  const now = options.now ?? Date.now;
  // key → time the key's bucket is full again (µs). Map order = least recently consumed first.
  const tats = new Map<string, number>();

  function sweep(nowUs: number, budget: number) {
    for (const [key, tat] of tats) {
      if (budget-- <= 0 || tat > nowUs) return;
      tats.delete(key);
    }
  }

  return {
    policy,
    get size() {
      return tats.size;
    },
    async consume(key: string, cost = 1): Promise<RateLimitDecision> {
      validateCost(cost, policy);
      const nowUs = Math.floor(now() * 1000);
      sweep(nowUs, SWEEP_PER_CALL);
      const stored = tats.get(key);
      const { decision, nextTatUs } = gcraStep(params, stored ?? null, nowUs, cost);
      if (nextTatUs !== null) {
        tats.delete(key);
        if (tats.size >= maxEntries) {
          sweep(nowUs, SWEEP_WHEN_FULL);
          while (tats.size >= maxEntries) tats.delete(tats.keys().next().value!);
        }
        tats.set(key, nextTatUs);
      }
      return decision;
    },
    async reset(key: string) {
      tats.delete(key);
    },
  };
}
