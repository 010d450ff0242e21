import { createEntityCache, type EntityCacheSettings } from "@plaza/kit";
import type { Post } from "../../domain/post.ts";
import type { PostRepository } from "../../application/ports/post-repository.port.ts";

export interface CachedPostRepository extends PostRepository {
  /** Drops these posts from the cache (their PostDeleted arrived); loads in flight for them are not stored. */
  evict(ids: Iterable<string>, source: "write" | "event"): void;
  readonly size: number;
}

export interface CachedPostRepositoryOptions extends EntityCacheSettings {
  inner: PostRepository;
}

/**
 * Posts never change after they are written, only disappear, so hydrating feeds and `post(id)` from a process-local
 * cache (kit's entity cache) is safe once deletions evict: a deletion through this instance evicts at once, one
 * through another instance when its PostDeleted event arrives (see post-cache-invalidation.ts). Listing queries
 * (author pages, timeline rebuilds) still read Postgres.
 */
export function createCachedPostRepository(options: CachedPostRepositoryOptions): CachedPostRepository {
  const { inner } = options;
  const cache = createEntityCache<Post>({ ...options, load: (ids) => inner.findByIds(ids) });
  return {
    get size() {
      return cache.size;
    },
    evict: (ids, source) => cache.evict(ids, source),
    findByIds: (ids) => cache.getMany(ids),
    create: (input, events) => inner.create(input, events),
    delete: (postId, authorId, events) => cache.evictAfter([postId], () => inner.delete(postId, authorId, events)),
    listByAuthor: (authorId, first, after) => inner.listByAuthor(authorId, first, after),
    recentByAuthors: (authorIds, limit, after) => inner.recentByAuthors(authorIds, limit, after),
  };
}
