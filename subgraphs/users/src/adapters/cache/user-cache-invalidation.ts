import { createEventDispatcher, Followed, ProfileUpdated, Unfollowed, type EventBus, type Subscription } from "@plaza/events";
import type { CachedUserRepository } from "./cached-user-repository.ts";

/** Every instance needs every event for its own cache: one consumer group per instance. */
export const USER_CACHE_GROUP_PREFIX = "users.entity-cache.";

/**
 * Evicts cached users when the users domain says they changed — a write made by another instance of this
 * subgraph reaches this instance's cache through its event. (Writes through this instance evict at once.)
 */
export function startUserCacheInvalidation(deps: {
  bus: EventBus;
  cache: CachedUserRepository;
  instanceId: string;
}): Promise<Subscription> {
  const dispatcher = createEventDispatcher()
    .on(ProfileUpdated, (event) => deps.cache.evict([event.payload.userId], "event"))
    // Follower and following counts of both sides change.
    .on(Followed, (event) => deps.cache.evict([event.payload.followerId, event.payload.followeeId], "event"))
    .on(Unfollowed, (event) => deps.cache.evict([event.payload.followerId, event.payload.followeeId], "event"));
  return deps.bus.subscribe({
    groupId: `${USER_CACHE_GROUP_PREFIX}${deps.instanceId}`,
    topics: dispatcher.topics,
    handler: dispatcher.handle,
  });
}
