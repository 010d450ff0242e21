import type { EventBus } from "@plaza/events";
import type { Logger } from "@plaza/kit";
import type { UserRepository } from "../../application/ports/user-repository.port.ts";

export const FOLLOWER_INDEX_GROUP = "users.follower-index";

/**
 * Repair path for the followee-side index: follow/unfollow reconcile it synchronously, and this consumer
 * reconciles again from the follower-side truth for every Followed/Unfollowed event, so a crash between the
 * two shard writes heals. Reconciling reads the truth, so duplicates and reordering are harmless.
 */
export async function startFollowerIndexConsumer(deps: {
  bus: EventBus;
  users: UserRepository;
  logger: Logger;
  /** Resolves when the stores the handler writes to are reachable: failures during an outage are retried, not dead-lettered. */
  dependenciesUp?: () => Promise<void>;
}) {
  return deps.bus.subscribe({
    groupId: FOLLOWER_INDEX_GROUP,
    topics: ["plaza.users.v1"],
    dependenciesUp: deps.dependenciesUp,
    handler: async (event) => {
      if (event.type !== "Followed" && event.type !== "Unfollowed") return;
      const { followerId, followeeId } = event.payload as { followerId: string; followeeId: string };
      await deps.users.reconcileFollowerIndex(followerId, followeeId);
    },
  });
}
