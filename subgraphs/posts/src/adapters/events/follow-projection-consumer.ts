import { createEventDispatcher, Followed, Unfollowed, type EventBus, type Subscription } from "@plaza/events";
import type { FanOut } from "../../application/fan-out.ts";

export const FOLLOW_PROJECTION_GROUP = "posts.follow-projection";

/**
 * Builds the posts subgraph's follow projection from the users subgraph's events, and backfills or cleans the
 * follower's timeline. Starts from the oldest retained event when the group is new: a projection needs the whole
 * history, and applying is idempotent.
 */
export function startFollowProjectionConsumer(deps: {
  bus: EventBus;
  fanOut: FanOut;
  /** Resolves when the stores the handler writes to are reachable: failures during an outage are retried, not dead-lettered. */
  dependenciesUp?: () => Promise<void>;
}): Promise<Subscription> {
  const dispatcher = createEventDispatcher()
    .on(Followed, (event) =>
      deps.fanOut.followChanged({
        followerId: event.payload.followerId,
        followeeId: event.payload.followeeId,
        following: true,
        at: new Date(event.payload.followedAt),
        eventId: event.id,
      }),
    )
    .on(Unfollowed, (event) =>
      deps.fanOut.followChanged({
        followerId: event.payload.followerId,
        followeeId: event.payload.followeeId,
        following: false,
        at: new Date(event.payload.unfollowedAt),
        eventId: event.id,
      }),
    );
  return deps.bus.subscribe({
    groupId: FOLLOW_PROJECTION_GROUP,
    topics: dispatcher.topics,
    handler: dispatcher.handle,
    fromBeginning: true,
    dependenciesUp: deps.dependenciesUp,
  });
}
