import { createEventDispatcher, PostDeleted, type EventBus, type Subscription } from "@plaza/events";
import type { CachedPostRepository } from "./cached-post-repository.ts";

/** Every instance needs every deletion for its own cache: one consumer group per instance. */
export const POST_CACHE_GROUP_PREFIX = "posts.entity-cache.";

/** Evicts posts deleted through another instance of this subgraph (deletions through this one evict at once). */
export function startPostCacheInvalidation(deps: {
  bus: EventBus;
  cache: CachedPostRepository;
  instanceId: string;
}): Promise<Subscription> {
  const dispatcher = createEventDispatcher().on(PostDeleted, (event) => deps.cache.evict([event.payload.postId], "event"));
  return deps.bus.subscribe({
    groupId: `${POST_CACHE_GROUP_PREFIX}${deps.instanceId}`,
    topics: dispatcher.topics,
    handler: dispatcher.handle,
  });
}
