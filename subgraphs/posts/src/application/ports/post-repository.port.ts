import type { OutboxEvents } from "@plaza/events/contracts";
import type { Post } from "../../domain/post.ts";
import type { FeedPosition } from "../../domain/feed-position.ts";

export interface PostPage {
  posts: Post[];
  hasNextPage: boolean;
}

/**
 * Persistence of posts, sharded by author. Each write and the events the use case announces for it (`events`,
 * built by the application layer: PostCreated, PostDeleted) are stored atomically (transactional outbox).
 */
export interface PostRepository {
  /** Stores a validated body as a new post of `authorId`, on the author's shard. */
  create(input: { authorId: string; body: string }, events: OutboxEvents<Post>): Promise<Post>;
  /** Deletes the post if `authorId` wrote it; false (and no events) when there was nothing of theirs to delete. */
  delete(postId: string, authorId: string, events: OutboxEvents): Promise<boolean>;
  /** Aligned with `ids`; null for unknown or malformed ids. One query per shard. */
  findByIds(ids: readonly string[]): Promise<Array<Post | null>>;
  /** One author's posts, newest first, after a (createdAt, id) position. One shard. */
  listByAuthor(authorId: string, first: number, after: { createdAt: Date; id: string } | null): Promise<PostPage>;
  /**
   * The newest `limit` posts of any of `authorIds` strictly after `after` in timeline order (one query per shard,
   * merged). Builds and backfills timelines and serves the pull path of the feed.
   */
  recentByAuthors(authorIds: readonly string[], limit: number, after: FeedPosition | null): Promise<Post[]>;
}
