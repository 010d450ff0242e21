import type { Logger } from "@plaza/kit";
import { isLocalOnlyTag } from "./cache-policy.ts";
import type { RouterMetrics } from "../metrics.ts";
import type { L1Cache } from "./l1-cache.ts";
import type { RedisCacheStore } from "./redis-cache-store.ts";

export type CacheOutcome = "hit-l1" | "hit-l2" | "miss";
export type InvalidationSource = "mutation" | "event";

/** Taken before data is read upstream; a store carries it so data older than an invalidation is never stored. */
export interface ReadMark {
  seq: number;
  startedAt: number;
  /** Redis's clock at the L2 miss; absent when L2 was not consulted (then nothing is written to L2). */
  redisReadAt?: string;
}

export interface CacheLookup {
  outcome: CacheOutcome;
  body?: Buffer;
  tags?: readonly string[];
  mark: ReadMark;
}

/** What the two levels need to know about Redis's reachability (an ioredis client fits). */
export interface RedisConnection {
  readonly status: string;
  on(event: "ready", listener: () => void): unknown;
}

export interface TwoLevelCacheOptions {
  l1: L1Cache;
  l2?: { store: RedisCacheStore; connection: RedisConnection };
  /** Longest TTL any result can get: after an overflow of queued invalidations L2 is unused this long. */
  maxTtlMs: number;
  /** Matches the Redis tombstone lifetime: a result fetched longer ago than this is not written to L2. */
  horizonMs: number;
  /** An L2 read slower than this is treated as a miss (the request goes upstream instead of waiting). */
  readTimeoutMs?: number;
  metrics: Pick<
    RouterMetrics,
    | "responseCacheLookups"
    | "responseCacheInvalidations"
    | "responseCacheL1Bytes"
    | "responseCacheL2Errors"
    | "responseCacheStaleStoresSkipped"
  >;
  logger: Logger;
  maxQueuedInvalidations?: number;
  now?: () => number;
}

export interface TwoLevelCache {
  readonly l1: L1Cache;
  /** A mark for data about to be read upstream (without an L2 read, so the result goes to L1 only). */
  newMark(): ReadMark;
  /** The first level only (synchronous: the fast path and the head of every lookup). */
  lookupL1(key: string): CacheLookup;
  /** The second level, when Redis is usable, after an L1 miss with its mark; a hit is copied into L1. Never rejects. */
  lookupL2(key: string, mark: ReadMark): Promise<CacheLookup>;
  /** Stores in L1 now and in L2 in the background. */
  store(key: string, body: Buffer, tags: readonly string[], ttlMs: number, mark: ReadMark): void;
  /**
   * Evicts from L1 at once and from Redis before resolving. If Redis cannot be reached the tags are queued and
   * replayed before L2 is used again, so an invalidation missed during an outage never lets old data back in.
   */
  invalidate(tags: readonly string[], source: InvalidationSource): Promise<void>;
  /** Whether L2 is currently consulted. */
  readonly l2Usable: boolean;
  /** Resolves when background L2 writes have settled (tests, shutdown). */
  settle(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis read took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createTwoLevelCache(options: TwoLevelCacheOptions): TwoLevelCache {
  const { l1, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const l2 = options.l2;
  const maxQueued = options.maxQueuedInvalidations ?? 10_000;
  /** Invalidations Redis has not seen yet: L2 stays unused until they are replayed. */
  const queued = new Set<string>();
  let l2BlockedUntil = 0;
  let replaying: Promise<void> | undefined;
  const writes = new Set<Promise<unknown>>();

  const updateBytes = () => metrics.responseCacheL1Bytes.set(l1.bytes);
  const l2Usable = () => !!l2 && l2.connection.status === "ready" && queued.size === 0 && now() >= l2BlockedUntil;

  function l2Failed(operation: string, err: unknown) {
    metrics.responseCacheL2Errors.inc({ operation });
    logger.debug({ err, operation }, "response cache: redis operation failed");
  }

  function queue(tags: readonly string[]) {
    for (const tag of tags) queued.add(tag);
    if (queued.size > maxQueued) {
      // Too much missed to replay: entries stored before the outage may be stale until their TTL ran out.
      queued.clear();
      l2BlockedUntil = now() + options.maxTtlMs;
      logger.warn(
        { blockedForMs: options.maxTtlMs },
        "response cache: too many invalidations missed by redis; not using it until old entries expired",
      );
    }
    void replay();
  }

  function replay(): Promise<void> {
    if (!l2 || queued.size === 0 || l2.connection.status !== "ready") return Promise.resolve();
    replaying ??= (async () => {
      try {
        while (queued.size > 0) {
          const batch = [...queued].slice(0, 500);
          await l2.store.invalidate(batch);
          for (const tag of batch) queued.delete(tag);
        }
        logger.info("response cache: queued invalidations replayed to redis");
      } catch (err) {
        l2Failed("replay", err);
      } finally {
        replaying = undefined;
      }
    })();
    return replaying;
  }
  l2?.connection.on("ready", () => void replay());

  function track(promise: Promise<unknown>) {
    writes.add(promise);
    void promise.finally(() => writes.delete(promise));
  }

  return {
    l1,
    get l2Usable() {
      return l2Usable();
    },
    newMark: () => ({ seq: l1.seq(), startedAt: now() }),
    lookupL1(key) {
      const mark: ReadMark = { seq: l1.seq(), startedAt: now() };
      const entry = l1.get(key);
      if (entry) {
        metrics.responseCacheLookups.inc({ level: "l1", result: "hit" });
        return { outcome: "hit-l1", body: entry.body, tags: entry.tags, mark };
      }
      metrics.responseCacheLookups.inc({ level: "l1", result: "miss" });
      return { outcome: "miss", mark };
    },
    async lookupL2(key, mark) {
      if (!l2 || !l2Usable()) return { outcome: "miss", mark };
      try {
        const found = await withTimeout(l2.store.get(key), options.readTimeoutMs ?? 100);
        if (found.hit && found.hit.pttlMs > 0) {
          metrics.responseCacheLookups.inc({ level: "l2", result: "hit" });
          const body = Buffer.from(found.hit.body);
          if (!l1.set(key, body, found.hit.tags, found.hit.pttlMs, mark.seq)) {
            metrics.responseCacheStaleStoresSkipped.inc({ level: "l1" });
          }
          updateBytes();
          return { outcome: "hit-l2", body, tags: found.hit.tags, mark };
        }
        metrics.responseCacheLookups.inc({ level: "l2", result: "miss" });
        return { outcome: "miss", mark: { ...mark, redisReadAt: found.readAt } };
      } catch (err) {
        l2Failed("get", err);
        return { outcome: "miss", mark };
      }
    },
    store(key, body, tags, ttlMs, mark) {
      if (!l1.set(key, body, tags, ttlMs, mark.seq) && l1.wasInvalidatedSince(tags, mark.seq)) {
        metrics.responseCacheStaleStoresSkipped.inc({ level: "l1" });
      }
      updateBytes();
      if (!l2 || !mark.redisReadAt || !l2Usable() || now() - mark.startedAt >= options.horizonMs) return;
      if (tags.some(isLocalOnlyTag)) return;
      track(
        l2.store.set(key, body.toString("utf8"), tags, ttlMs, mark.redisReadAt).then(
          (stored) => {
            if (!stored) metrics.responseCacheStaleStoresSkipped.inc({ level: "l2" });
          },
          (err: unknown) => l2Failed("set", err),
        ),
      );
    },
    async invalidate(tags, source) {
      if (tags.length === 0) return;
      l1.invalidate(tags);
      updateBytes();
      metrics.responseCacheInvalidations.inc({ source }, tags.length);
      const shared = tags.filter((tag) => !isLocalOnlyTag(tag));
      if (!l2 || shared.length === 0) return;
      if (queued.size > 0 || l2.connection.status !== "ready") return queue(shared);
      try {
        await l2.store.invalidate(shared);
      } catch (err) {
        l2Failed("invalidate", err);
        queue(shared);
      }
    },
    async settle() {
      await Promise.allSettled([...writes]);
      await replaying;
    },
  };
}
