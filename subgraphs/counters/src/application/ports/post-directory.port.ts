/** The counters subgraph's projection of the posts that exist (from PostCreated / PostDeleted events). */
export interface PostDirectory {
  /** Idempotent; a post already deleted stays deleted. */
  recordCreated(post: { postId: string; authorId: string; createdAt: Date }): Promise<void>;
  /** Idempotent; also records posts whose PostCreated was never seen. */
  recordDeleted(post: { postId: string; authorId: string; deletedAt: Date }): Promise<void>;
  /** True for a post that was created and not deleted. */
  isLive(postId: string): Promise<boolean>;
}
