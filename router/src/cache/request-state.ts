import type { ExecutionResult } from "graphql";
import type { OperationAnalysis } from "./document-analysis.ts";
import type { CacheOutcome, ReadMark } from "./two-level-cache.ts";

/** Reported in `x-plaza-cache` when asked: a level hit, a wait for an identical request in flight, a miss, or not cacheable. */
export type CacheDebugOutcome = CacheOutcome | "hit-inflight" | "bypass";

export const CACHE_DEBUG_REQUEST_HEADER = "x-plaza-cache-debug";
export const CACHE_DEBUG_RESPONSE_HEADER = "x-plaza-cache";

/** Shared with the identical requests that waited for a leader. */
export interface SharedResult {
  result: ExecutionResult;
  tags: readonly string[];
}

/** One upstream execution per cache key at a time; identical requests wait for it. */
export interface Flight {
  readonly key: string;
  /** L1 invalidation seq when the leader started: a result containing an entity invalidated since is not shared. */
  readonly startSeq: number;
  readonly startedAt: number;
  readonly done: Promise<SharedResult | null>;
  /** Idempotent; `null` makes waiting requests execute themselves (the leader's result was not cacheable). */
  finish(shared: SharedResult | null): void;
}

/** What the cache plugins know about one GraphQL execution. */
export interface RequestCacheState {
  analysis: OperationAnalysis;
  viewerId: string | null;
  outcome: CacheDebugOutcome;
  /** Set on a miss: the mark the result is stored with. */
  mark?: ReadMark;
  /** Set when this request leads the execution for its key. */
  flight?: Flight;
  /** Redis invalidations started by this mutation; awaited before the response is sent. */
  invalidations: Array<Promise<void>>;
}

export interface FlightRegistry {
  /** The live flight for `key`, if any (flights older than the wait bound are considered dead). */
  current(key: string): Flight | undefined;
  begin(key: string, startSeq: number): Flight;
  readonly size: number;
}

export function createFlightRegistry(opts: { maxWaitMs: number; now?: () => number }): FlightRegistry {
  const now = opts.now ?? Date.now;
  const flights = new Map<string, Flight>();
  return {
    get size() {
      return flights.size;
    },
    current(key) {
      const flight = flights.get(key);
      if (flight && now() - flight.startedAt > opts.maxWaitMs) {
        // A leader that never reported back (it should always finish; this is the safety net).
        flight.finish(null);
        return undefined;
      }
      return flight;
    },
    begin(key, startSeq) {
      let resolve!: (value: SharedResult | null) => void;
      const done = new Promise<SharedResult | null>((r) => (resolve = r));
      let finished = false;
      const flight: Flight = {
        key,
        startSeq,
        startedAt: now(),
        done,
        finish(shared) {
          if (finished) return;
          finished = true;
          if (flights.get(key) === flight) flights.delete(key);
          resolve(shared);
        },
      };
      flights.set(key, flight);
      return flight;
    },
  };
}

/** Waits for `promise` at most `ms`; null on timeout. The timer never keeps the process alive. */
export async function waitAtMost<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
