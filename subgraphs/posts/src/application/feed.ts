import type { Logger } from "@plaza/kit";
import type { Post } from "../domain/post.ts";
import { mergeFeedPositions, type FeedPosition } from "../domain/feed-position.ts";
import type { FollowGraph } from "./ports/follow-graph.port.ts";
import type { PostRepository } from "./ports/post-repository.port.ts";
import type { TimelineStore } from "./ports/timeline-store.port.ts";

export interface FeedSettings {
  /** Timeline cap (FEED_TIMELINE_MAX): a rebuild stores at most this many posts. */
  timelineMax: number;
  /** Same threshold as the fan-out (FEED_FANOUT_MAX_FOLLOWERS): above it, posts are pulled at read time. */
  maxFollowers: number;
  /** How long the list of high-follower authors is reused before it is read again. */
  highFollowerCacheMs?: number;
}

export interface FeedMetrics {
  rebuilt(): void;
  degraded(): void;
}

export interface FeedEdge {
  position: FeedPosition;
  post: Post;
}

export interface FeedPage {
  edges: FeedEdge[];
  hasNextPage: boolean;
  /** Where the next page starts: the last edge, or the last position looked at when every candidate was gone. */
  endPosition: FeedPosition | null;
}

/** Hydrates post ids, aligned, null for posts that no longer exist (a per-request DataLoader in practice). */
export type LoadPosts = (ids: readonly string[]) => Promise<Array<Post | null>>;

type Candidate = FeedPosition & { post?: Post };

/** Rounds of "fetch candidates, drop deleted posts" per page; bounds the work a page full of deleted posts costs. */
const MAX_ROUNDS = 4;
/** Authors considered when a timeline is built from Postgres. */
const MAX_REBUILD_FOLLOWEES = 5_000;

const positionOf = (post: Post): Candidate => ({ postId: post.id, score: post.createdAt.getTime(), post });

/**
 * The home feed: the viewer's materialized timeline merged with the recent posts of followed high-follower authors
 * (not fanned out), newest first by (time, post id). Missing timelines are rebuilt from Postgres; if the timeline
 * store is down, the page is computed from Postgres alone.
 */
export function createFeedReader(deps: {
  posts: PostRepository;
  follows: FollowGraph;
  timelines: TimelineStore;
  settings: FeedSettings;
  logger: Logger;
  metrics?: FeedMetrics;
}) {
  const { posts, follows, timelines, settings, logger } = deps;
  const cacheMs = settings.highFollowerCacheMs ?? 10_000;
  let highFollowers: { ids: Set<string>; at: number } | undefined;
  let highFollowersLoading: Promise<Set<string>> | undefined;
  const rebuilding = new Map<string, Promise<void>>();

  async function highFollowerAuthors(): Promise<Set<string>> {
    if (highFollowers && Date.now() - highFollowers.at < cacheMs) return highFollowers.ids;
    highFollowersLoading ??= follows
      .authorsWithMoreFollowersThan(settings.maxFollowers)
      .then((ids) => {
        highFollowers = { ids: new Set(ids), at: Date.now() };
        return highFollowers.ids;
      })
      .finally(() => {
        highFollowersLoading = undefined;
      });
    return highFollowersLoading;
  }

  async function pulledAuthorsOf(viewerId: string): Promise<string[]> {
    const candidates = await highFollowerAuthors();
    return candidates.size === 0 ? [] : follows.followeesAmong(viewerId, [...candidates]);
  }

  async function authorsOf(viewerId: string): Promise<string[]> {
    return [viewerId, ...(await follows.followees(viewerId, MAX_REBUILD_FOLLOWEES))];
  }

  /** One rebuild per viewer at a time in this process (concurrent first reads share it). */
  function rebuild(viewerId: string): Promise<void> {
    let running = rebuilding.get(viewerId);
    if (!running) {
      running = (async () => {
        const recent = await posts.recentByAuthors(await authorsOf(viewerId), settings.timelineMax, null);
        await timelines.storeRebuilt(
          viewerId,
          recent.map((p) => ({ postId: p.id, score: p.createdAt.getTime() })),
        );
        deps.metrics?.rebuilt();
      })().finally(() => rebuilding.delete(viewerId));
      rebuilding.set(viewerId, running);
    }
    return running;
  }

  async function timelineAfter(viewerId: string, limit: number, after: FeedPosition | null): Promise<Candidate[]> {
    let page = await timelines.page(viewerId, limit, after);
    if (!page.built) {
      await rebuild(viewerId);
      page = await timelines.page(viewerId, limit, after);
    }
    return page.entries;
  }

  async function candidatesAfter(
    viewerId: string,
    pulledAuthors: string[],
    limit: number,
    after: FeedPosition | null,
  ): Promise<Candidate[]> {
    const pulled = pulledAuthors.length > 0 ? posts.recentByAuthors(pulledAuthors, limit, after) : Promise.resolve([]);
    let timeline: Candidate[];
    try {
      timeline = await timelineAfter(viewerId, limit, after);
    } catch (err) {
      // Degraded but correct: every followed author's posts straight from Postgres.
      pulled.catch(() => undefined);
      logger.warn({ err, viewerId }, "timeline store unavailable; serving the feed from Postgres");
      deps.metrics?.degraded();
      return (await posts.recentByAuthors(await authorsOf(viewerId), limit, after)).map(positionOf);
    }
    return mergeFeedPositions([timeline, (await pulled).map(positionOf)], limit);
  }

  return {
    async read(viewerId: string, first: number, after: FeedPosition | null, load: LoadPosts): Promise<FeedPage> {
      const pulledAuthors = await pulledAuthorsOf(viewerId);
      const edges: FeedEdge[] = [];
      const gone: string[] = [];
      let position = after;
      let exhausted = false;
      for (let round = 0; round < MAX_ROUNDS && edges.length <= first && !exhausted; round++) {
        const want = first + 1 - edges.length;
        const candidates = await candidatesAfter(viewerId, pulledAuthors, want, position);
        exhausted = candidates.length < want;
        if (candidates.length === 0) break;
        const toLoad = candidates.filter((c) => !c.post).map((c) => c.postId);
        const loaded = new Map<string, Post>();
        (await load(toLoad)).forEach((post, i) => {
          if (post) loaded.set(toLoad[i]!, post);
        });
        for (const candidate of candidates) {
          const post = candidate.post ?? loaded.get(candidate.postId);
          if (post) edges.push({ position: { score: candidate.score, postId: candidate.postId }, post });
          else gone.push(candidate.postId);
        }
        position = candidates.at(-1)!;
      }
      if (gone.length > 0) {
        // Deleted posts whose removal has not reached this timeline (or raced with a backfill): heal it.
        timelines.remove([viewerId], gone).catch((err: unknown) => logger.debug({ err }, "timeline cleanup failed"));
      }
      const page = edges.slice(0, first);
      const hasNextPage = edges.length > first || !exhausted;
      // No edge to point at: `first: 0` keeps the caller's place; a stretch of deleted posts moves past them.
      const endPosition = page.at(-1)?.position ?? (edges.length > 0 ? after : hasNextPage ? position : null);
      return { edges: page, hasNextPage, endPosition };
    },
  };
}

export type FeedReader = ReturnType<typeof createFeedReader>;
