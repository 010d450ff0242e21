import { createEvent, CounterIncremented, PostLiked, PostUnliked } from "@plaza/events/contracts";
import type { RateLimiter } from "@plaza/kit";
import { badUserInput, notFound, PlazaError, rateLimited, unauthenticated } from "@plaza/kit/domain-errors";
import {
  assertIncrementable,
  counterKeyString,
  likeCounterKey,
  validateDelta,
  validateIdempotencyKey,
  validateResourceId,
  type Counter,
  type CounterKey,
  type IncrementableType,
} from "../domain/counter.ts";
import type { CounterLog } from "./ports/counter-log.port.ts";
import type { CounterStore, LogPosition, PostCounts } from "./ports/counter-store.port.ts";
import type { PostDirectory } from "./ports/post-directory.port.ts";
import type { Rebuilder } from "./rebuild.ts";

export interface CounterRules {
  /** COUNTER_MAX_DELTA */
  maxDelta: number;
  /** COUNTERS_BATCH_LIMIT */
  batchLimit: number;
  /** COUNTERS_IDEMPOTENCY_TTL_SECONDS */
  idempotencyTtlSeconds: number;
}

export interface CounterServiceDeps {
  store: CounterStore;
  log: CounterLog;
  rebuilder: Rebuilder;
  posts: PostDirectory;
  rules: CounterRules;
  /**
   * Per viewer and resource, one limiter per counted type (COUNTERS_VIEW_RATE_* / COUNTERS_SHARE_RATE_*); a call
   * costs its delta. Keys: `<viewerId>|<resourceId>`.
   */
  limits: Record<IncrementableType, RateLimiter>;
  /** A call refused by the rate limit (metrics). */
  onRateLimited?: (type: IncrementableType) => void;
}

export interface IncrementInput extends CounterKey {
  delta: number;
  idempotencyKey?: string | null;
}

/** A post's counters as the `Post` entity shows them (viewCount may be left for the entity loader). */
export interface PostCountsView {
  id: string;
  likeCount: number;
  viewCount?: number;
  viewerHasLiked: boolean;
}

export interface CounterService {
  read(keys: readonly CounterKey[]): Promise<number[]>;
  readPosts(postIds: readonly string[], viewerId: string | null): Promise<Required<PostCountsView>[]>;
  /** Views and shares of live posts by signed-in viewers, rate-limited per viewer and post. */
  increment(input: IncrementInput, viewerId: string | null): Promise<Counter>;
  like(postId: string, viewerId: string | null): Promise<PostCountsView>;
  unlike(postId: string, viewerId: string | null): Promise<PostCountsView>;
}

/** A store call that found its counter cold is repeated after rebuilding it (twice more at most: a second loss meanwhile). */
async function withRebuild<R extends { cold: boolean }>(
  rebuilder: Rebuilder,
  keys: readonly CounterKey[],
  call: () => Promise<R>,
) {
  for (let attempt = 0; ; attempt++) {
    const result = await call();
    if (!result.cold) return result as Exclude<R, { cold: true }>;
    if (attempt >= 2) throw new Error(`counters: ${keys.map(counterKeyString).join(", ")} still cold after a rebuild`);
    await rebuilder.warm(keys);
  }
}

/**
 * The counters use cases. A change is acknowledged only after the counter log durably holds it (Kafka acks=all)
 * and the hot store applied it with its log position; reads come from the hot store alone and rebuild cold
 * counters first (after Redis lost its data), which costs a second round trip only then.
 */
export function createCounterService(deps: CounterServiceDeps): CounterService {
  const { store, log, rebuilder, posts, rules, limits } = deps;

  async function read(keys: readonly CounterKey[]): Promise<number[]> {
    if (keys.length > rules.batchLimit) throw badUserInput("keys", `at most ${rules.batchLimit} counters per request`);
    const values = await store.read(keys);
    const cold = keys.filter((_, i) => values[i] === null);
    if (cold.length === 0) return values as number[];
    await rebuilder.warm(cold);
    const rebuilt = await store.read(cold);
    let next = 0;
    return values.map((value) => {
      if (value !== null) return value;
      const restored = rebuilt[next++];
      if (restored === null || restored === undefined) throw new Error("counters: counter still cold after a rebuild");
      return restored;
    });
  }

  async function readPosts(postIds: readonly string[], viewerId: string | null) {
    let counts: PostCounts[] = await store.readPosts(postIds, viewerId);
    const cold = postIds.filter((_, i) => counts[i]!.likeCount === null || counts[i]!.viewCount === null);
    if (cold.length > 0) {
      await rebuilder.warm(cold.flatMap((id) => [likeCounterKey(id), { resourceId: id, type: "VIEW" as const }]));
      counts = await store.readPosts(postIds, viewerId);
    }
    return postIds.map((id, i) => {
      const c = counts[i]!;
      if (c.likeCount === null || c.viewCount === null) throw new Error(`counters: post ${id} still cold after a rebuild`);
      return { id, likeCount: c.likeCount, viewCount: c.viewCount, viewerHasLiked: c.viewerHasLiked };
    });
  }

  async function append(event: Parameters<CounterLog["append"]>[0][number]): Promise<LogPosition> {
    const [position] = await log.append([event]);
    return position!;
  }

  async function increment(input: IncrementInput, viewerId: string | null): Promise<Counter> {
    if (!viewerId) throw unauthenticated("Sign in to count a view or a share");
    const type = assertIncrementable(input.type);
    const key: CounterKey = { resourceId: validateResourceId(input.resourceId), type };
    const delta = validateDelta(input.delta, { maxDelta: rules.maxDelta });
    const idempotencyKey = validateIdempotencyKey(input.idempotencyKey);
    // Posts are the only counted resources: an id that is not a live post would be a counter nobody can see.
    if (!(await posts.isLive(key.resourceId))) throw notFound("Post not found");

    const scope = idempotencyKey === null ? null : `${viewerId}|${counterKeyString(key)}|${idempotencyKey}`;
    if (scope) {
      const reservation = await store.reserveIdempotencyKey(scope, String(delta), rules.idempotencyTtlSeconds);
      if (!reservation.reserved) {
        if (reservation.fingerprint !== String(delta)) {
          throw new PlazaError("IDEMPOTENCY_KEY_REUSED", "idempotencyKey was already used with a different delta", {
            field: "idempotencyKey",
          });
        }
        // Already counted (or being counted right now): a replay, answered with the current value and never
        // refused by the rate limit (the original call already paid for it).
        const [value] = await read([key]);
        return { ...key, value: value! };
      }
    }

    // Nothing counted when refused (or when the limiter fails): a retry with the same key must be able to count.
    const release = async () => {
      if (scope) await store.releaseIdempotencyKey(scope).catch(() => undefined);
    };
    const allowance = await limits[type].consume(`${viewerId}|${key.resourceId}`, delta).catch(async (err: unknown) => {
      await release();
      throw err;
    });
    if (!allowance.allowed) {
      await release();
      deps.onRateLimited?.(type);
      throw rateLimited(`Too many ${type === "VIEW" ? "views" : "shares"} of this post: try again later`, allowance.retryAfterMs);
    }

    let position: LogPosition;
    try {
      position = await append(createEvent(CounterIncremented, counterKeyString(key), { ...key, delta, viewerId }));
    } catch (err) {
      // Not recorded, so not counted: a retry with the same key must be able to count. (The rate limit stays
      // consumed: a failing append is no reason to allow more.)
      await release();
      throw err;
    }
    const applied = await withRebuild(rebuilder, [key], () => store.applyIncrement(key, delta, position));
    return { ...key, value: applied.value };
  }

  async function setLike(postId: string, viewerId: string | null, liked: boolean): Promise<PostCountsView> {
    if (!viewerId) throw unauthenticated(`Sign in to ${liked ? "like" : "unlike"} a post`);
    validateResourceId(postId, "postId");
    if (!(await posts.isLive(postId))) throw notFound("Post not found");
    const key = likeCounterKey(postId);
    const event = liked
      ? createEvent(PostLiked, counterKeyString(key), { postId, userId: viewerId })
      : createEvent(PostUnliked, counterKeyString(key), { postId, userId: viewerId });
    const position = await append(event);
    const applied = await withRebuild(rebuilder, [key], () => store.applyLike(postId, viewerId, liked, position));
    return { id: postId, likeCount: applied.value, viewerHasLiked: applied.liked };
  }

  return {
    read,
    readPosts,
    increment,
    like: (postId, viewerId) => setLike(postId, viewerId, true),
    unlike: (postId, viewerId) => setLike(postId, viewerId, false),
  };
}
