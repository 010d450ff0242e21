import type { Counter } from "prom-client";
import type { User } from "../../domain/user.ts";
import type { UserRepository } from "../../application/ports/user-repository.port.ts";

export interface CachedUserRepository extends UserRepository {
  /** Drops these users from the cache; a load already in flight for one of them is not stored (nor joined). */
  evict(ids: Iterable<string>, source: "write" | "event"): void;
  readonly size: number;
}

export interface CachedUserRepositoryOptions {
  inner: UserRepository;
  /** Users kept (least recently used dropped first). */
  maxEntries: number;
  /** Bounds staleness when the events that evict entries cannot be consumed (Kafka down). */
  ttlMs: number;
  metrics?: {
    lookups: Counter<"result">;
    evictions: Counter<"source">;
  };
  now?: () => number;
}

interface Entry {
  user: User;
  expiresAt: number;
}

/**
 * Keeps hot `User` records in process in front of the repository (the reference read-heavy pattern: local cache,
 * evicted explicitly by the service's own events). `findByIds` is cached with one load per id at a time — a
 * concurrent miss for an id being loaded waits for that load instead of querying again. Writes through this
 * repository evict the users they change at once; other instances evict on the domain events (see
 * user-cache-invalidation.ts). Absent users are not cached (an id that does not exist yet may exist later).
 * Credentials (`findByEmail`) are never cached.
 */
export function createCachedUserRepository(options: CachedUserRepositoryOptions): CachedUserRepository {
  const { inner, metrics } = options;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  /** The one load in flight per id; replaced (so not stored, not joined) when the id is evicted meanwhile. */
  const loading = new Map<string, Promise<User | null>>();

  function cached(id: string): User | undefined {
    const entry = entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(id);
      return undefined;
    }
    entries.delete(id);
    entries.set(id, entry);
    return entry.user;
  }

  function store(id: string, user: User) {
    entries.delete(id);
    entries.set(id, { user, expiresAt: now() + options.ttlMs });
    while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
  }

  function load(ids: string[]): void {
    const batch = inner.findByIds(ids);
    ids.forEach((id, i) => {
      const one = batch.then((users) => users[i] ?? null);
      loading.set(id, one);
      one.then(
        (user) => {
          if (loading.get(id) !== one) return; // evicted while loading: the result may predate the write
          loading.delete(id);
          if (user) store(id, user);
        },
        () => {
          if (loading.get(id) === one) loading.delete(id);
        },
      );
    });
  }

  async function evictAfter<T>(ids: string[], write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      repository.evict(ids, "write");
    }
  }

  const repository: CachedUserRepository = {
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
    async findByIds(ids) {
      const found = new Map<string, User | Promise<User | null>>();
      const misses: string[] = [];
      for (const id of new Set(ids)) {
        const user = cached(id);
        const inFlight = user ? undefined : loading.get(id);
        if (user) found.set(id, user);
        else if (inFlight) found.set(id, inFlight);
        else misses.push(id);
        metrics?.lookups.inc({ result: user ? "hit" : inFlight ? "coalesced" : "miss" });
      }
      if (misses.length > 0) {
        load(misses);
        for (const id of misses) found.set(id, loading.get(id)!);
      }
      return Promise.all(ids.map((id) => found.get(id) ?? null));
    },
    create: (user) => inner.create(user),
    findByEmail: (email) => inner.findByEmail(email),
    findIdByHandle: (handle) => inner.findIdByHandle(handle),
    updateProfile: (id, patch) => evictAfter([id], () => inner.updateProfile(id, patch)),
    follow: (followerId, followeeId) => evictAfter([followerId, followeeId], () => inner.follow(followerId, followeeId)),
    unfollow: (followerId, followeeId) => evictAfter([followerId, followeeId], () => inner.unfollow(followerId, followeeId)),
    reconcileFollowerIndex: (followerId, followeeId) =>
      evictAfter([followerId, followeeId], () => inner.reconcileFollowerIndex(followerId, followeeId)),
    listFollowers: (userId, first, after) => inner.listFollowers(userId, first, after),
    listFollowing: (userId, first, after) => inner.listFollowing(userId, first, after),
  };
  return repository;
}
