import type { CounterKey } from "../../domain/counter.ts";

/** Where an event landed in the durable counter log. Offsets grow per partition; a counter's events share one partition. */
export interface LogPosition {
  partition: number;
  offset: number;
}

/** `cold`: the hot store does not hold this counter (Redis lost its data): rebuild it from the durable copy first. */
export type ApplyResult = { cold: true } | { cold: false; value: number };
export type LikeResult = { cold: true } | { cold: false; value: number; liked: boolean };

/** A post's counters as `Post` shows them; null counts are cold. */
export interface PostCounts {
  likeCount: number | null;
  viewCount: number | null;
  viewerHasLiked: boolean;
}

/** A counter restored from the durable copy. */
export interface SeedEntry {
  key: CounterKey;
  value: number;
  /**
   * Every event of this counter up to this log offset (in its partition) is included in `value`; applying an
   * event at or below it is a no-op. -1: no event is included.
   */
  baseOffset: number;
  /** LIKE counters only: the users whose like is included in `value`. */
  likers?: readonly string[];
}

export type IdempotencyReservation = { reserved: true } | { reserved: false; fingerprint: string };

/**
 * The hot store of counters and like sets (Redis; in memory for the embedded default). Every method is one round
 * trip to the store. Changes are applied with their log position, which makes replays after a rebuild harmless:
 * an event already included in a seed is skipped, and of two like/unlike events of one user the later one wins
 * whatever order they arrive in — the same result the durable copy computes in log order.
 * A counter absent from the store is zero while the store is "warm" (it has been fully rebuilt since it last lost
 * data), and cold otherwise.
 */
export interface CounterStore {
  /** Values aligned with `keys`; null = cold. */
  read(keys: readonly CounterKey[]): Promise<Array<number | null>>;
  /** LIKE and VIEW counters of each post and whether `viewerId` likes it, aligned with `postIds`. */
  readPosts(postIds: readonly string[], viewerId: string | null): Promise<PostCounts[]>;
  /** Adds `delta` and publishes the new value to the counter's watchers. */
  applyIncrement(key: CounterKey, delta: number, position: LogPosition): Promise<ApplyResult>;
  /** Sets the like of `userId` (liked = true) or withdraws it; the LIKE count moves only when the state flips. */
  applyLike(postId: string, userId: string, liked: boolean, position: LogPosition): Promise<LikeResult>;
  /** Stores counters that are absent; present ones are left alone (they are at least as recent). Returns how many were stored. */
  seed(entries: readonly SeedEntry[]): Promise<number>;
  /**
   * Claims an idempotency key for `ttlSeconds`, remembering `fingerprint` (what the call asked for). A key already
   * claimed answers with the fingerprint it was claimed with.
   */
  reserveIdempotencyKey(scope: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyReservation>;
  /** Frees a claim whose change was never recorded, so a retry can count. */
  releaseIdempotencyKey(scope: string): Promise<void>;
  /** True while the store has not lost data since its last full rebuild. */
  isWarm(): Promise<boolean>;
  /** Starts a full rebuild; a data loss before `completeFullRebuild` voids it. */
  beginFullRebuild(): Promise<string>;
  /** Marks the store warm if nothing was lost since `beginFullRebuild` returned `token`. */
  completeFullRebuild(token: string): Promise<boolean>;
  /** Drops every counter and like set and marks the store cold, as a data loss would (`counters:rebuild --reset`). */
  forget(): Promise<number>;
  /**
   * Round trips made so far, all or those of one operation ("read", "read_posts", "increment", "like", "warm", …);
   * background work (warm checks, rebuilds) makes round trips of its own. The Redis adapter reports each as a metric too.
   */
  roundTrips(operation?: string): number;
  close(): Promise<void>;
}
