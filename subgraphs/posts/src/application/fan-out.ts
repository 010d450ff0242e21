import type { Logger } from "@plaza/kit";
import type { FeedBroadcast } from "./ports/feed-broadcast.port.ts";
import type { FollowChange, FollowGraph } from "./ports/follow-graph.port.ts";
import type { PostRepository } from "./ports/post-repository.port.ts";
import type { TimelineStore } from "./ports/timeline-store.port.ts";

export interface FanOutSettings {
  /** Authors with more followers than this are not fanned out; their posts are pulled at read time. */
  maxFollowers: number;
  /** Followers per Postgres page and per pipelined Redis batch. */
  batchSize: number;
  /** Recent posts of a newly followed author copied into the follower's timeline. */
  backfillPosts: number;
  /** Timeline cap: an unfollow removes at most this many of the author's newest posts. */
  timelineMax: number;
}

export interface FanOutMetrics {
  fannedOut(followers: number, seconds: number): void;
  skipped(): void;
}

export interface CreatedPost {
  postId: string;
  authorId: string;
  body: string;
  createdAt: string;
}

/**
 * Turns post and follow events into timeline writes. Every step is idempotent (adding a present entry or removing
 * an absent one changes nothing), so at-least-once delivery is safe.
 */
export function createFanOut(deps: {
  posts: PostRepository;
  follows: FollowGraph;
  timelines: TimelineStore;
  broadcast: FeedBroadcast;
  settings: FanOutSettings;
  logger: Logger;
  metrics?: FanOutMetrics;
}) {
  const { posts, follows, timelines, settings, logger } = deps;

  /** Calls `each` with pages of the author's followers; the next page is read while the current one is written. */
  async function forEachFollowerBatch(authorId: string, each: (batch: string[]) => Promise<void>): Promise<number> {
    let total = 0;
    let page = await follows.followersPage(authorId, settings.batchSize, null);
    while (page.length > 0) {
      const next =
        page.length === settings.batchSize
          ? follows.followersPage(authorId, settings.batchSize, page.at(-1)!)
          : Promise.resolve([]);
      // Keep a rejected read-ahead from surfacing as unhandled while the write is awaited.
      next.catch(() => undefined);
      await each(page);
      total += page.length;
      page = await next;
    }
    return total;
  }

  return {
    async postCreated(post: CreatedPost): Promise<{ fannedOut: boolean; followers: number }> {
      const started = performance.now();
      const entry = { postId: post.postId, score: Date.parse(post.createdAt) };
      // Your own posts are part of your home timeline.
      await timelines.add(post.authorId, [entry]);
      const followerCount = await follows.followerCount(post.authorId);
      let followers = 0;
      const fannedOut = followerCount <= settings.maxFollowers;
      if (fannedOut) {
        followers = await forEachFollowerBatch(post.authorId, (batch) => timelines.addToMany(batch, entry));
        deps.metrics?.fannedOut(followers, (performance.now() - started) / 1000);
      } else {
        deps.metrics?.skipped();
      }
      // Live delivery comes after the timelines hold the post, so a client told of it finds it in its feed.
      await deps.broadcast
        .publish({ id: post.postId, authorId: post.authorId, body: post.body, createdAt: post.createdAt })
        .catch((err: unknown) =>
          logger.warn({ err, postId: post.postId }, "feed broadcast failed; live subscribers miss this post"),
        );
      return { fannedOut, followers };
    },

    async postDeleted(post: { postId: string; authorId: string }): Promise<void> {
      await timelines.remove([post.authorId], [post.postId]);
      // Pulled authors' posts are not in timelines (and hydration drops deleted posts in any case).
      if ((await follows.followerCount(post.authorId)) > settings.maxFollowers) return;
      await forEachFollowerBatch(post.authorId, (batch) => timelines.remove(batch, [post.postId]));
    },

    /** Projects a follow change, then backfills or cleans the follower's timeline unless the event was stale. */
    async followChanged(change: FollowChange): Promise<void> {
      const outcome = await follows.apply(change);
      if (outcome === "stale") return;
      const { followerId, followeeId } = change;
      if (change.following) {
        if (settings.backfillPosts === 0 || (await follows.followerCount(followeeId)) > settings.maxFollowers) return;
        const recent = await posts.recentByAuthors([followeeId], settings.backfillPosts, null);
        await timelines.add(
          followerId,
          recent.map((p) => ({ postId: p.id, score: p.createdAt.getTime() })),
        );
      } else {
        const recent = await posts.recentByAuthors([followeeId], settings.timelineMax, null);
        await timelines.remove(
          [followerId],
          recent.map((p) => p.id),
        );
      }
    },
  };
}

export type FanOut = ReturnType<typeof createFanOut>;
