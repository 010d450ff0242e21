import { z } from "zod";
import { envFields } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "@plaza/runtime";
import { DEFAULT_POST_MAX_LENGTH } from "./domain/post.ts";

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const postsEnvSchema = commonSubgraphEnv.extend({
  POSTS_PORT: envFields.port(4002),
  /** Longest post body, in characters (Unicode code points). */
  POST_MAX_LENGTH: int(1, 100_000, DEFAULT_POST_MAX_LENGTH),
  /** Largest `first` accepted by feed and User.posts. */
  FEED_MAX_PAGE_SIZE: int(1, 1_000, 100),
  /** Newest posts kept per home timeline. */
  FEED_TIMELINE_MAX: int(10, 100_000, 800),
  /** Idle home timelines expire after this long (Redis); the next read rebuilds them from Postgres. */
  FEED_TIMELINE_TTL_SECONDS: int(60, 365 * 24 * 3600, 7 * 24 * 3600),
  /** Authors with more followers than this are not fanned out on write; their posts are merged in at read time. */
  FEED_FANOUT_MAX_FOLLOWERS: int(0, 100_000_000, 10_000),
  /** Followers read and written per fan-out batch (one Postgres page, one Redis pipeline). */
  FEED_FANOUT_BATCH_SIZE: int(1, 10_000, 1_000),
  /** Recent posts of a newly followed author copied into the follower's timeline. */
  FEED_BACKFILL_POSTS: int(0, 1_000, 50),
  /** Posts kept in process for hydrating feeds and `post(id)` (0 disables the entity cache). */
  POSTS_ENTITY_CACHE_MAX_ENTRIES: int(0, 10_000_000, 50_000),
  /** Bounds how long a deletion through another instance can go unseen when its event cannot be consumed. */
  POSTS_ENTITY_CACHE_TTL_MS: int(1, 24 * 3600 * 1000, 60_000),
});

export type PostsConfig = ReturnType<typeof loadPostsConfig>;

export const loadPostsConfig = (source?: Record<string, string | undefined>) =>
  loadSubgraphConfig("posts", postsEnvSchema, source);
