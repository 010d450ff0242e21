import type { DocumentNode } from "graphql";

/**
 * An LRU map bounded by entry count and by bytes, for anything a client can make the server remember (documents,
 * analyses, persisted queries): the oldest entries go first, and an entry larger than the whole budget is not kept.
 */
export interface BoundedCache<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): void;
  delete(key: K): void;
  clear(): void;
  readonly size: number;
  readonly bytes: number;
}

export interface BoundedCacheOptions<K, V> {
  maxEntries: number;
  maxBytes: number;
  /** Approximate bytes an entry holds (key included). */
  sizeOf(key: K, value: V): number;
  /** Larger entries are not kept at all (default: the whole budget), so a few huge ones cannot evict everything. */
  maxEntryBytes?: number;
}

/** Rough bytes of a string key or text value held in memory (UTF-16). */
export const textBytes = (text: string) => text.length * 2;

export function createBoundedCache<K, V>(options: BoundedCacheOptions<K, V>): BoundedCache<K, V> {
  const entries = new Map<K, { value: V; size: number }>();
  let bytes = 0;
  const remove = (key: K) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.size;
  };
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      // Most recently used last: Map iteration order is the eviction order.
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    has: (key) => entries.has(key),
    set(key, value) {
      remove(key);
      const size = options.sizeOf(key, value);
      if (size > (options.maxEntryBytes ?? options.maxBytes) || options.maxEntries <= 0) return;
      while (entries.size > 0 && (entries.size >= options.maxEntries || bytes + size > options.maxBytes)) {
        remove(entries.keys().next().value as K);
      }
      entries.set(key, { value, size });
      bytes += size;
    },
    delete: remove,
    clear() {
      entries.clear();
      bytes = 0;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** Documents longer than this are parsed every time they come: real clients' documents are far smaller. */
export const MAX_CACHED_DOCUMENT_CHARS = 64 * 1024;

/**
 * Yoga's parse caches, bounded by bytes as well as entries: its defaults keep 1,024 documents whatever their size,
 * and a client can send 1,024 different megabyte documents. An AST costs about 16 bytes per character of its text.
 */
export function boundedParserCaches(opts: { maxBytes?: number } = {}) {
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  return {
    documentCache: createBoundedCache<string, DocumentNode>({
      maxEntries: 1_024,
      maxBytes,
      sizeOf: (text) => text.length * 16,
    }),
    errorCache: createBoundedCache<string, unknown>({
      maxEntries: 1_024,
      maxBytes: maxBytes / 8,
      sizeOf: (text) => textBytes(text) + 512,
    }),
    validationCache: true,
  };
}
