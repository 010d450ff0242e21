import type { Redis } from "ioredis";
import type { FeedPosition } from "../../domain/feed-position.ts";
import type { TimelineEntry, TimelineStore } from "../../application/ports/timeline-store.port.ts";

/**
 * Marks a timeline as built: a member that sorts above every post (score +inf) so trimming the oldest entries never
 * drops it, and it expires with the timeline. Post ids are Crockford base32, so "~" is never a post id.
 */
const BUILT_MARKER = "~built";

export interface RedisTimelineStoreOptions {
  /** ioredis client (its keyPrefix applies to every key). */
  redis: Redis;
  /** Newest entries kept per timeline (FEED_TIMELINE_MAX). */
  maxLength: number;
  /** Idle timelines expire after this long; reads refresh it, fan-out sets it only on timelines it creates. */
  ttlSeconds: number;
  /** Added after the client's keyPrefix. */
  namespace?: string;
}

type PipelineResult = Array<[Error | null, unknown]> | null;

function check(results: PipelineResult): unknown[] {
  if (!results) throw new Error("redis pipeline was discarded");
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** WITHSCORES replies [member, score, member, score, …] newest first; the marker is left out. */
function toEntries(reply: unknown): TimelineEntry[] {
  const flat = reply as string[];
  const entries: TimelineEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === BUILT_MARKER) continue;
    entries.push({ postId: flat[i]!, score: Number(flat[i + 1]) });
  }
  return entries;
}

/**
 * Home timelines as Redis sorted sets: one per viewer, score = post time (ms), member = post id. Redis orders equal
 * scores by member, which matches the (score, id) order of feed cursors. Every batch is one pipelined round trip.
 */
export function createRedisTimelineStore(options: RedisTimelineStoreOptions): TimelineStore {
  const { redis, maxLength, ttlSeconds } = options;
  const namespace = options.namespace ?? "feed:tl:";
  const key = (viewerId: string) => `${namespace}${viewerId}`;
  // Keeps the newest maxLength posts plus the marker.
  const trimRank = -(maxLength + 2);

  return {
    async addToMany(viewerIds, entry) {
      if (viewerIds.length === 0) return;
      const pipeline = redis.pipeline();
      for (const viewerId of viewerIds) {
        pipeline.zadd(key(viewerId), entry.score, entry.postId);
        pipeline.zremrangebyrank(key(viewerId), 0, trimRank);
        pipeline.expire(key(viewerId), ttlSeconds, "NX");
      }
      check(await pipeline.exec());
    },

    async add(viewerId, entries) {
      if (entries.length === 0) return;
      const pipeline = redis.pipeline();
      pipeline.zadd(key(viewerId), ...entries.flatMap((e) => [e.score, e.postId]));
      pipeline.zremrangebyrank(key(viewerId), 0, trimRank);
      pipeline.expire(key(viewerId), ttlSeconds, "NX");
      check(await pipeline.exec());
    },

    async remove(viewerIds, postIds) {
      if (viewerIds.length === 0 || postIds.length === 0) return;
      const pipeline = redis.pipeline();
      for (const viewerId of viewerIds) pipeline.zrem(key(viewerId), ...postIds);
      check(await pipeline.exec());
    },

    async storeRebuilt(viewerId, entries) {
      const multi = redis.multi();
      multi.zadd(key(viewerId), "+inf", BUILT_MARKER, ...entries.flatMap((e) => [e.score, e.postId]));
      multi.zremrangebyrank(key(viewerId), 0, trimRank);
      multi.expire(key(viewerId), ttlSeconds);
      check(await multi.exec());
    },

    async page(viewerId, limit, after: FeedPosition | null) {
      const k = key(viewerId);
      const pipeline = redis.pipeline();
      pipeline.zscore(k, BUILT_MARKER);
      if (after === null) {
        pipeline.zrange(k, "+inf", "-inf", "BYSCORE", "REV", "LIMIT", 0, limit + 1, "WITHSCORES");
      } else {
        // Entries sharing the cursor's score come first if their id is lower; a timeline is capped, so that set is small.
        pipeline.zrange(k, after.score, after.score, "BYSCORE", "REV", "WITHSCORES");
        pipeline.zrange(k, `(${after.score}`, "-inf", "BYSCORE", "REV", "LIMIT", 0, limit, "WITHSCORES");
      }
      pipeline.expire(k, ttlSeconds, "XX");
      const [marker, ...ranges] = check(await pipeline.exec());
      const entries =
        after === null
          ? toEntries(ranges[0])
          : [...toEntries(ranges[0]).filter((e) => e.postId < after.postId), ...toEntries(ranges[1])];
      return { built: marker !== null, entries: entries.slice(0, limit) };
    },
  };
}
