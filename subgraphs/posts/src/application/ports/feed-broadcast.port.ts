/** A new post as broadcast to every posts instance (from PostCreated, so no lookup is needed to deliver it). */
export interface BroadcastPost {
  id: string;
  authorId: string;
  body: string;
  /** ISO-8601. */
  createdAt: string;
}

export type BroadcastListener = (post: BroadcastPost) => void;

/**
 * Carries new posts to every instance of the posts subgraph, so a viewer subscribed to any instance hears of posts
 * written through any other. Delivery is best effort (live updates; the feed itself is the durable path).
 */
export interface FeedBroadcast {
  publish(post: BroadcastPost): Promise<void>;
  /** Resolves once the listener is receiving; the returned function unsubscribes. */
  subscribe(listener: BroadcastListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
