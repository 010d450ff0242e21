import type { FeedPosition } from "../../domain/feed-position.ts";

/** A post in a viewer's home timeline; `score` is the post's creation time in ms. */
export type TimelineEntry = FeedPosition;

export interface TimelinePage {
  /**
   * False when the timeline was never built (cold start, expired, or the store was flushed): the caller rebuilds it
   * from Postgres. A built timeline may be empty.
   */
  built: boolean;
  /** Newest first, strictly after the requested position. */
  entries: TimelineEntry[];
}

/**
 * Materialized home timelines: per viewer, post ids ordered by (score, id), capped to the newest N entries.
 * Every write is idempotent (adding a present entry or removing an absent one changes nothing).
 */
export interface TimelineStore {
  /** Fan-out: one post into many viewers' timelines, in one round trip per batch. */
  addToMany(viewerIds: readonly string[], entry: TimelineEntry): Promise<void>;
  /** Backfill: several posts into one viewer's timeline. */
  add(viewerId: string, entries: readonly TimelineEntry[]): Promise<void>;
  /** Removes the posts from each of the viewers' timelines. */
  remove(viewerIds: readonly string[], postIds: readonly string[]): Promise<void>;
  /**
   * Stores a rebuilt timeline and marks it built. Merges with entries already present (a fan-out may have landed
   * while the rebuild read Postgres), then trims to the cap.
   */
  storeRebuilt(viewerId: string, entries: readonly TimelineEntry[]): Promise<void>;
  page(viewerId: string, limit: number, after: FeedPosition | null): Promise<TimelinePage>;
}
