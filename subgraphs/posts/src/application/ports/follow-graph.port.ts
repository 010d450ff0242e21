/** A follow or unfollow as the users subgraph announced it (Followed / Unfollowed). */
export interface FollowChange {
  followerId: string;
  followeeId: string;
  following: boolean;
  /** When it happened (followedAt / unfollowedAt). */
  at: Date;
  /** The event id: a redelivered event has the same id. */
  eventId: string;
}

/**
 * - applied: the change is now the edge's state.
 * - duplicate: this very event was the last one applied (a redelivery); side effects may be repeated safely.
 * - stale: a newer change was applied already; the event is ignored.
 */
export type FollowChangeOutcome = "applied" | "duplicate" | "stale";

/**
 * The posts subgraph's own projection of who follows whom, built from the users subgraph's events, so feed work
 * never calls the users subgraph. Edges are versioned by (at, eventId): applying is idempotent and order-safe per
 * follower→followee pair.
 */
export interface FollowGraph {
  apply(change: FollowChange): Promise<FollowChangeOutcome>;
  followerCount(authorId: string): Promise<number>;
  /** Current followers of `authorId` ordered by id, strictly after `afterFollowerId` (keyset paging for fan-out). */
  followersPage(authorId: string, limit: number, afterFollowerId: string | null): Promise<string[]>;
  /** Those of `candidates` who currently follow `authorId`. */
  followersAmong(authorId: string, candidates: readonly string[]): Promise<string[]>;
  /** Up to `limit` authors `viewerId` currently follows. */
  followees(viewerId: string, limit: number): Promise<string[]>;
  /** Those of `candidates` that `viewerId` currently follows. */
  followeesAmong(viewerId: string, candidates: readonly string[]): Promise<string[]>;
  /** Authors with more than `threshold` followers (a short list: their posts are pulled at read time). */
  authorsWithMoreFollowersThan(threshold: number): Promise<string[]>;
}
