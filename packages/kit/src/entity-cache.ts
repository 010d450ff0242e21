import type { Counter } from "prom-client";
import type { ServiceMetrics } from "./metrics.ts";

export interface EntityCacheMetrics {
  lookups: Counter<"result">;
  evictions: Counter<"source">;
}

/** How big and how fresh an entity cache is; what every cached repository takes besides its inner repository. */
export interface EntityCacheSettings {
  /** Entities kept (least recently used dropped first). */
  maxEntries: number;
  /** Bounds staleness when the events that evict entries cannot be consumed (Kafka down). */
  ttlMs: number;
  metrics?: EntityCacheMetrics;
  now?: () => number;
}

export interface EntityCacheOptions<T> extends EntityCacheSettings {
  /** Loads entities by id, aligned with `ids`, null for absent ones (one batched query in practice). */
  load(ids: string[]): Promise<Array<T | null>>;
}

export interface EntityCache<T> {
  /** Aligned with `ids`. A miss for an id already being loaded waits for that load instead of loading again. */
  getMany(ids: readonly string[]): Promise<Array<T | null>>;
  /** Drops these ids; a load already in flight for one of them is neither stored nor joined afterwards. */
  evict(ids: Iterable<string>, source: "write" | "event"): void;
  /** Runs a write, then evicts what it changed (also when it failed: it may have changed them anyway). */
  evictAfter<R>(ids: readonly string[], write: () => Promise<R>): Promise<R>;
  readonly size: number;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/**
 * Hot entities in process in front of a repository (the read-heavy pattern: a local cache evicted explicitly by
 * the service's own writes and events). Absent entities are not cached: an id that does not exist yet may later.
 */
export function createEntityCache<T>(options: EntityCacheOptions<T>): EntityCache<T> {
  const { metrics } = options;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry<T>>();
  /** The one load in flight per id; replaced (so not stored, not joined) when the id is evicted meanwhile. */
  const loading = new Map<string, Promise<T | null>>();

  function cached(id: string): T | undefined {
    const entry = entries.get(id);
    if (!entry) return undefined;
    entries.delete(id);
    if (entry.expiresAt <= now()) return undefined;
    entries.set(id, entry); // most recently used last
    return entry.value;
  }

  function store(id: string, value: T) {
    entries.delete(id);
    entries.set(id, { value, expiresAt: now() + options.ttlMs });
    while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
  }

  function load(ids: string[]): void {
    const batch = options.load(ids);
    ids.forEach((id, i) => {
      const one = batch.then((values) => values[i] ?? null);
      loading.set(id, one);
      one.then(
        (value) => {
          if (loading.get(id) !== one) return; // evicted while loading: the result may predate the write
          loading.delete(id);
          if (value !== null) store(id, value);
        },
        () => {
          if (loading.get(id) === one) loading.delete(id);
        },
      );
    });
  }

  const cache: EntityCache<T> = {
    get size() {
      return entries.size;
    },
    evict(ids, source) {
      for (const id of ids) {
        const had = entries.delete(id);
        loading.delete(id);
        if (had) metrics?.evictions.inc({ source });
      }
    },
    async evictAfter(ids, write) {
      try {
        return await write();
      } finally {
        cache.evict(ids, "write");
      }
    },
    async getMany(ids) {
      const found = new Map<string, T | Promise<T | null>>();
      const misses: string[] = [];
      for (const id of new Set(ids)) {
        const value = cached(id);
        const inFlight = value === undefined ? loading.get(id) : undefined;
        if (value !== undefined) found.set(id, value);
        else if (inFlight) found.set(id, inFlight);
        else misses.push(id);
        metrics?.lookups.inc({ result: value !== undefined ? "hit" : inFlight ? "coalesced" : "miss" });
      }
      if (misses.length > 0) {
        load(misses);
        for (const id of misses) found.set(id, loading.get(id)!);
      }
      return Promise.all(ids.map((id) => found.get(id) ?? null));
    },
  };
  return cache;
}

/** The two counters every entity cache reports, named `plaza_<service>_entity_cache_*`. */
export function createEntityCacheMetrics(metrics: ServiceMetrics, entity: string): EntityCacheMetrics {
  return {
    lookups: metrics.counter("entity_cache_lookups_total", `${entity} entity cache lookups by result (hit, miss, coalesced)`, [
      "result",
    ]),
    evictions: metrics.counter(
      "entity_cache_evictions_total",
      `${entity}s evicted from the entity cache, by source (write, event)`,
      ["source"],
    ),
  };
}
