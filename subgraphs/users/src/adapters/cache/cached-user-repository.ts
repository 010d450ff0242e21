import { createEntityCache, type EntityCacheSettings } from "@plaza/kit";
import type { User } from "../../domain/user.ts";
import type { UserRepository } from "../../application/ports/user-repository.port.ts";

export interface CachedUserRepository extends UserRepository {
  /** Drops these users from the cache; a load already in flight for one of them is not stored (nor joined). */
  evict(ids: Iterable<string>, source: "write" | "event"): void;
  readonly size: number;
}

export interface CachedUserRepositoryOptions extends EntityCacheSettings {
  inner: UserRepository;
}

/**
 * Keeps hot `User` records in process in front of the repository (kit's entity cache). Writes through this
 * repository evict the users they change at once; other instances evict on the domain events (see
 * user-cache-invalidation.ts). Credentials (`findByEmail`) are never cached.
 */
export function createCachedUserRepository(options: CachedUserRepositoryOptions): CachedUserRepository {
  const { inner } = options;
  const cache = createEntityCache<User>({ ...options, load: (ids) => inner.findByIds(ids) });
  return {
    get size() {
      return cache.size;
    },
    evict: (ids, source) => cache.evict(ids, source),
    findByIds: (ids) => cache.getMany(ids),
    create: (user, events) => inner.create(user, events),
    findByEmail: (email) => inner.findByEmail(email),
    findIdByHandle: (handle) => inner.findIdByHandle(handle),
    updateProfile: (id, patch, events) => cache.evictAfter([id], () => inner.updateProfile(id, patch, events)),
    follow: (followerId, followeeId, events) =>
      cache.evictAfter([followerId, followeeId], () => inner.follow(followerId, followeeId, events)),
    unfollow: (followerId, followeeId, events) =>
      cache.evictAfter([followerId, followeeId], () => inner.unfollow(followerId, followeeId, events)),
    reconcileFollowerIndex: (followerId, followeeId) =>
      cache.evictAfter([followerId, followeeId], () => inner.reconcileFollowerIndex(followerId, followeeId)),
    listFollowers: (userId, first, after) => inner.listFollowers(userId, first, after),
    listFollowing: (userId, first, after) => inner.listFollowing(userId, first, after),
  };
}
