import type { Logger } from "@plaza/kit";
import type { Post } from "../domain/post.ts";
import type { BroadcastPost, FeedBroadcast } from "./ports/feed-broadcast.port.ts";
import type { FollowGraph } from "./ports/follow-graph.port.ts";

export interface LiveFeedMetrics {
  subscriptions(delta: number): void;
}

interface Subscriber {
  push(post: Post): void;
  end(): void;
}

/** Events a slow subscriber may have waiting before the oldest are dropped. */
const MAX_BUFFERED = 256;
/** Post ids remembered to drop a redelivered broadcast (the fan-out is at-least-once). */
const RECENT_POSTS = 10_000;

/**
 * `Subscription.feedUpdated` for the viewers connected to this instance. Every instance hears every new post
 * through the broadcast, asks the follow projection which of its connected viewers follow the author (one query
 * per post), and pushes the post to them.
 */
export function createLiveFeed(deps: {
  broadcast: FeedBroadcast;
  follows: FollowGraph;
  logger: Logger;
  metrics?: LiveFeedMetrics;
}) {
  const byViewer = new Map<string, Set<Subscriber>>();
  const recent = new Set<string>();
  let listening: Promise<() => Promise<void>> | undefined;
  // Posts are handled one at a time, in broadcast order.
  let queue: Promise<void> = Promise.resolve();

  async function deliver(message: BroadcastPost): Promise<void> {
    if (recent.has(message.id)) return;
    recent.add(message.id);
    if (recent.size > RECENT_POSTS) recent.delete(recent.values().next().value!);
    const candidates = [...byViewer.keys()].filter((viewerId) => viewerId !== message.authorId);
    if (candidates.length === 0) return;
    const followers = await deps.follows.followersAmong(message.authorId, candidates);
    const post: Post = { id: message.id, authorId: message.authorId, body: message.body, createdAt: new Date(message.createdAt) };
    for (const viewerId of followers) for (const subscriber of byViewer.get(viewerId) ?? []) subscriber.push(post);
  }

  const onBroadcast = (message: BroadcastPost) => {
    queue = queue
      .then(() => deliver(message))
      .catch((err: unknown) => deps.logger.warn({ err, postId: message.id }, "live feed delivery failed"));
  };

  return {
    /** Starts listening to the broadcast (once per instance). */
    start(): Promise<void> {
      listening ??= deps.broadcast.subscribe(onBroadcast);
      return listening.then(() => undefined);
    },

    /**
     * New posts of authors `viewerId` follows, until the client leaves (`return()`) or the viewer's token expires
     * (`expiresAt`, epoch seconds).
     */
    subscribe(viewerId: string, expiresAt?: number): AsyncIterableIterator<Post> {
      const buffered: Post[] = [];
      let wake: (() => void) | undefined;
      let done = false;
      const subscriber: Subscriber = {
        push(post) {
          if (buffered.length >= MAX_BUFFERED) buffered.shift();
          buffered.push(post);
          wake?.();
        },
        end: () => finish(),
      };
      const set = byViewer.get(viewerId) ?? new Set<Subscriber>();
      set.add(subscriber);
      byViewer.set(viewerId, set);
      deps.metrics?.subscriptions(1);

      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(expiry);
        set.delete(subscriber);
        if (set.size === 0 && byViewer.get(viewerId) === set) byViewer.delete(viewerId);
        deps.metrics?.subscriptions(-1);
        wake?.();
      };
      const expiry = expiresAt ? setTimeout(finish, Math.max(0, expiresAt * 1000 - Date.now())) : undefined;
      expiry?.unref();

      const iterator: AsyncIterableIterator<Post> = {
        async next() {
          while (!done && buffered.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          const post = buffered.shift();
          return post ? { value: post, done: false } : { value: undefined, done: true };
        },
        async return() {
          finish();
          buffered.length = 0;
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },

    /** Ends every local subscription and stops listening. */
    async stop(): Promise<void> {
      const unsubscribe = await listening?.catch(() => undefined);
      listening = undefined;
      await unsubscribe?.();
      for (const set of [...byViewer.values()]) for (const subscriber of [...set]) subscriber.end();
      byViewer.clear();
    },
  };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
