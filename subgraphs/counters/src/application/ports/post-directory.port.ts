/** The counters subgraph's projection of the posts that exist (from PostCreated / PostDeleted events). */
export interface PostDirectory {
  /** Idempotent; a post already deleted stays deleted. */
  recordCreated(post: { postId: string; authorId: string; createdAt: Date }): Promise<void>;
  /** Idempotent; also records posts whose PostCreated was never seen. */
  recordDeleted(post: { postId: string; authorId: string; deletedAt: Date }): Promise<void>;
  /** True for a post that was created and not deleted. */
  isLive(postId: string): Promise<boolean>;
}

/** What the projection knows of a post: `unknown` may be a post whose PostCreated has not arrived yet. */
export type PostStatus = "live" | "deleted" | "unknown";

export interface PostProjection extends PostDirectory {
  status(postId: string): Promise<PostStatus>;
}

export interface FoundPost {
  postId: string;
  authorId: string;
  createdAt: Date;
}

/**
 * The posts subgraph, owner of the truth, asked when the projection does not know a post yet (its PostCreated is
 * still on its way). Resolves null for a post that does not exist (never created, or deleted); rejects when the posts
 * subgraph cannot answer.
 */
export interface PostsLookup {
  find(postId: string): Promise<FoundPost | null>;
}
