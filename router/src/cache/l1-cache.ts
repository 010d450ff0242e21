/** A cached response: the exact bytes sent to clients, and the entity tags that invalidate it. */
export interface L1Entry {
  readonly key: string;
  readonly body: Buffer;
  readonly tags: readonly string[];
  readonly expiresAt: number;
  readonly size: number;
  touchedAt: number;
}

export interface L1CacheOptions {
  maxBytes: number;
  /**
   * How long an invalidation is remembered, so a fetch that started before it cannot store its (old) result after
   * it. Longer than any request may take; a fetch older than this is never stored.
   */
  invalidationHorizonMs?: number;
  /** Upper bound of remembered invalidations (oldest forgotten first, conservatively). */
  maxRememberedInvalidations?: number;
  now?: () => number;
}

export interface L1Cache {
  get(key: string): L1Entry | undefined;
  /**
   * Stores unless one of `tags` was invalidated after `readSeq` (the `seq()` taken before the data was read
   * upstream), in which case the data may predate that invalidation and is dropped. Returns whether it stored.
   */
  set(key: string, body: Buffer, tags: readonly string[], ttlMs: number, readSeq: number): boolean;
  /** Evicts every entry carrying one of `tags`; returns how many entries went. */
  invalidate(tags: Iterable<string>): number;
  /** Monotonic invalidation counter: take it before reading upstream data. */
  seq(): number;
  wasInvalidatedSince(tags: readonly string[], readSeq: number): boolean;
  readonly bytes: number;
  readonly size: number;
  clear(): void;
}

/** Rough per-entry bookkeeping cost (Map slots, tag index, object headers), so many tiny entries still count. */
const ENTRY_OVERHEAD_BYTES = 160;

/**
 * The in-process first level: an LRU bounded by bytes (not entries — responses range from bytes to megabytes),
 * with TTLs and a tag → keys index for invalidation by entity. Map iteration order is the LRU order.
 */
export function createL1Cache(options: L1CacheOptions): L1Cache {
  const now = options.now ?? Date.now;
  const horizonMs = options.invalidationHorizonMs ?? 60_000;
  const maxRemembered = options.maxRememberedInvalidations ?? 100_000;
  const entries = new Map<string, L1Entry>();
  const byTag = new Map<string, Set<string>>();
  let bytes = 0;

  let seq = 0;
  /** tag → the seq and time of its latest invalidation; insertion order = invalidation order. */
  const invalidated = new Map<string, { seq: number; at: number }>();
  /** Invalidations up to this seq may have been forgotten: a reader older than it cannot be cleared. */
  let forgottenThrough = 0;

  function unlink(entry: L1Entry) {
    entries.delete(entry.key);
    bytes -= entry.size;
    for (const tag of entry.tags) {
      const keys = byTag.get(tag);
      if (!keys) continue;
      keys.delete(entry.key);
      if (keys.size === 0) byTag.delete(tag);
    }
  }

  function forgetOld() {
    const cutoff = now() - horizonMs;
    for (const [tag, mark] of invalidated) {
      if (mark.at > cutoff && invalidated.size <= maxRemembered) break;
      invalidated.delete(tag);
      if (mark.seq > forgottenThrough) forgottenThrough = mark.seq;
    }
  }

  function wasInvalidatedSince(tags: readonly string[], readSeq: number): boolean {
    if (readSeq === seq) return false;
    if (readSeq < forgottenThrough) return true;
    for (const tag of tags) {
      const mark = invalidated.get(tag);
      if (mark && mark.seq > readSeq) return true;
    }
    return false;
  }

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        unlink(entry);
        return undefined;
      }
      // Most recently used goes last; re-linking on every hit of a hot entry buys nothing, so at most once a second.
      const at = now();
      if (at - entry.touchedAt > 1_000) {
        entry.touchedAt = at;
        entries.delete(key);
        entries.set(key, entry);
      }
      return entry;
    },
    set(key, body, tags, ttlMs, readSeq) {
      if (ttlMs <= 0 || wasInvalidatedSince(tags, readSeq)) return false;
      const size = body.length + key.length + tags.reduce((sum, tag) => sum + tag.length, 0) + ENTRY_OVERHEAD_BYTES;
      if (size > options.maxBytes) return false;
      const previous = entries.get(key);
      if (previous) unlink(previous);
      const entry: L1Entry = { key, body, tags, expiresAt: now() + ttlMs, size, touchedAt: now() };
      entries.set(key, entry);
      bytes += size;
      for (const tag of tags) {
        let keys = byTag.get(tag);
        if (!keys) byTag.set(tag, (keys = new Set()));
        keys.add(key);
      }
      for (const oldest of entries.values()) {
        if (bytes <= options.maxBytes) break;
        unlink(oldest);
      }
      return true;
    },
    invalidate(tags) {
      seq++;
      const at = now();
      let evicted = 0;
      for (const tag of tags) {
        invalidated.delete(tag);
        invalidated.set(tag, { seq, at });
        const keys = byTag.get(tag);
        if (!keys) continue;
        for (const key of [...keys]) {
          const entry = entries.get(key);
          if (entry) {
            unlink(entry);
            evicted++;
          }
        }
        byTag.delete(tag);
      }
      forgetOld();
      return evicted;
    },
    seq: () => seq,
    wasInvalidatedSince,
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
      byTag.clear();
      bytes = 0;
    },
  };
}
