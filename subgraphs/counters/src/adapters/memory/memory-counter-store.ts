import { randomUUID } from "node:crypto";
import { counterKeyString, likeCounterKey, type CounterKey } from "../../domain/counter.ts";
import type { ChangeListener, CounterChanges } from "../../application/ports/counter-changes.port.ts";
import type { CounterStore, PostCounts, SeedEntry } from "../../application/ports/counter-store.port.ts";

interface Cell {
  value: number;
  baseOffset: number;
}

/** Like state of one user: the offset of their last change and whether it was a like. */
interface LikeState {
  liked: boolean;
  offset: number;
}

export interface MemoryCounterStore extends CounterStore {
  /** Forgets everything, as a Redis FLUSHALL would (tests, and the start of an embedded process). */
  flush(): void;
}

export interface MemoryCounterChanges extends CounterChanges {
  publish(key: CounterKey, value: number): void;
}

/** The in-process change feed of the embedded default (one process: every watcher is local). */
export function createMemoryCounterChanges(): MemoryCounterChanges {
  const listeners = new Map<string, Set<ChangeListener>>();
  return {
    async watch(key, listener) {
      const id = counterKeyString(key);
      let set = listeners.get(id);
      if (!set) listeners.set(id, (set = new Set()));
      set.add(listener);
      return async () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(id) === set) listeners.delete(id);
      };
    },
    publish(key, value) {
      for (const listener of listeners.get(counterKeyString(key)) ?? []) listener(value);
    },
    async close() {
      listeners.clear();
    },
  };
}

/**
 * CounterStore in process memory, for the embedded default: the same semantics as the Redis store (cold keys,
 * base offsets, like states, idempotency with expiry, the warm marker), with synchronous steps standing in for
 * atomic scripts. It starts empty and cold, like a Redis that lost its data, and is rebuilt the same way.
 */
export function createMemoryCounterStore(
  options: { changes?: MemoryCounterChanges; now?: () => number } = {},
): MemoryCounterStore {
  const now = options.now ?? Date.now;
  const cells = new Map<string, Cell>();
  const likes = new Map<string, Map<string, LikeState>>();
  const idempotency = new Map<string, { fingerprint: string; expiresAt: number }>();
  let warm = false;
  let rebuildToken: string | null = null;
  const roundTrips = new Map<string, number>();
  const trip = (operation: string) => {
    roundTrips.set(operation, (roundTrips.get(operation) ?? 0) + 1);
  };
  /** The cell of a counter; created at zero when the store is warm, undefined when cold. */
  const cellFor = (key: CounterKey, create: boolean): Cell | undefined => {
    const id = counterKeyString(key);
    let cell = cells.get(id);
    if (!cell && warm && create) cells.set(id, (cell = { value: 0, baseOffset: -1 }));
    return cell;
  };
  const valueOf = (key: CounterKey): number | null => cells.get(counterKeyString(key))?.value ?? (warm ? 0 : null);

  function purgeExpired(at: number) {
    // Amortized: a sweep only when the map has grown.
    if (idempotency.size < 10_000) return;
    for (const [scope, entry] of idempotency) if (entry.expiresAt <= at) idempotency.delete(scope);
  }

  return {
    async read(keys) {
      trip("read");
      return keys.map(valueOf);
    },

    async readPosts(postIds, viewerId) {
      trip("read_posts");
      return postIds.map((postId): PostCounts => {
        const likeCount = valueOf(likeCounterKey(postId));
        const state =
          viewerId && cells.has(counterKeyString(likeCounterKey(postId))) ? likes.get(postId)?.get(viewerId) : undefined;
        return { likeCount, viewCount: valueOf({ resourceId: postId, type: "VIEW" }), viewerHasLiked: state?.liked ?? false };
      });
    },

    async applyIncrement(key, delta, position) {
      trip("increment");
      const cell = cellFor(key, true);
      if (!cell) return { cold: true };
      if (position.offset <= cell.baseOffset) return { cold: false, value: cell.value };
      cell.value += delta;
      options.changes?.publish(key, cell.value);
      return { cold: false, value: cell.value };
    },

    async applyLike(postId, userId, liked, position) {
      trip("like");
      const key = likeCounterKey(postId);
      const cell = cellFor(key, true);
      if (!cell) return { cold: true };
      let users = likes.get(postId);
      if (!users) likes.set(postId, (users = new Map()));
      const previous = users.get(userId);
      const likedBefore = previous?.liked ?? false;
      if (position.offset <= cell.baseOffset || (previous && previous.offset >= position.offset)) {
        return { cold: false, value: cell.value, liked: likedBefore };
      }
      users.set(userId, { liked, offset: position.offset });
      if (liked !== likedBefore) {
        cell.value += liked ? 1 : -1;
        options.changes?.publish(key, cell.value);
      }
      return { cold: false, value: cell.value, liked };
    },

    async seed(entries: readonly SeedEntry[]) {
      trip("seed");
      let stored = 0;
      for (const entry of entries) {
        const id = counterKeyString(entry.key);
        if (cells.has(id)) continue;
        cells.set(id, { value: entry.value, baseOffset: entry.baseOffset });
        if (entry.key.type === "LIKE") {
          likes.set(
            entry.key.resourceId,
            new Map((entry.likers ?? []).map((user) => [user, { liked: true, offset: entry.baseOffset }])),
          );
        }
        stored += 1;
      }
      return stored;
    },

    async reserveIdempotencyKey(scope, fingerprint, ttlSeconds) {
      trip("reserve");
      const at = now();
      purgeExpired(at);
      const existing = idempotency.get(scope);
      if (existing && existing.expiresAt > at) return { reserved: false, fingerprint: existing.fingerprint };
      idempotency.set(scope, { fingerprint, expiresAt: at + ttlSeconds * 1000 });
      return { reserved: true };
    },

    async releaseIdempotencyKey(scope) {
      trip("release");
      idempotency.delete(scope);
    },

    async isWarm() {
      trip("warm");
      return warm;
    },

    async beginFullRebuild() {
      trip("rebuild");
      rebuildToken = randomUUID();
      return rebuildToken;
    },

    async completeFullRebuild(token) {
      trip("rebuild");
      if (rebuildToken !== token) return false;
      rebuildToken = null;
      warm = true;
      return true;
    },

    async forget() {
      trip("forget");
      const removed = cells.size + likes.size;
      cells.clear();
      likes.clear();
      warm = false;
      rebuildToken = null;
      return removed;
    },

    roundTrips: (operation) => (operation ? (roundTrips.get(operation) ?? 0) : sum(roundTrips)),

    flush() {
      cells.clear();
      likes.clear();
      idempotency.clear();
      warm = false;
      rebuildToken = null;
    },

    async close() {},
  };
}

function sum(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}
