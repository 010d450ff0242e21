import { randomUUID } from "node:crypto";
import type { ChainableCommander, Redis } from "ioredis";
import type { CounterKey } from "../../domain/counter.ts";
import { likeCounterKey } from "../../domain/counter.ts";
import type { CounterStore, LogPosition, PostCounts, SeedEntry } from "../../application/ports/counter-store.port.ts";
import { changeChannel, redisKeys } from "./keys.ts";
import { APPLY_INCREMENT, APPLY_LIKE, COMPLETE_REBUILD, READ, READ_POSTS, RESERVE, SEED } from "./scripts.ts";

type Arg = string | number;
type ScriptCall<R> = (numKeys: number, ...args: Arg[]) => Promise<R>;

interface CounterScripts {
  plazaCountersRead: ScriptCall<string[]>;
  plazaCountersReadPosts: ScriptCall<string[]>;
  plazaCountersApply: ScriptCall<string | null>;
  plazaCountersApplyLike: ScriptCall<[string, number] | null>;
  plazaCountersReserve: ScriptCall<string | null>;
  plazaCountersCompleteRebuild: ScriptCall<number>;
}

type ScriptedRedis = Redis & CounterScripts;
type ScriptedPipeline = ChainableCommander & { plazaCountersSeed(...args: Arg[]): ChainableCommander };

/** Likers are staged into a hash in chunks of this many fields (keeps every command small). */
const STAGE_CHUNK = 500;
/** A staged hash whose seed never ran expires on its own. */
const STAGE_TTL_SECONDS = 300;

export interface RedisCounterStoreOptions {
  redis: Redis;
  /** Called once per round trip, labelled by operation (the `redis_round_trips_total` metric). */
  onRoundTrip?: (operation: string) => void;
}

/** Parses a reply value: "" (cold) → null. */
const valueOf = (reply: string | undefined): number | null => (reply === undefined || reply === "" ? null : Number(reply));

/**
 * CounterStore on Redis: every call is one Lua script (or one pipeline), i.e. one round trip; a batch of counters or
 * an `_entities` batch of posts is one script call whatever its size. The scripts publish new values on the
 * counter's channel in the same atomic step (see redis-counter-changes.ts for the listening side).
 */
export function createRedisCounterStore(options: RedisCounterStoreOptions): CounterStore {
  const redis = options.redis as ScriptedRedis;
  const keyPrefix = redis.options.keyPrefix ?? "";
  redis.defineCommand("plazaCountersRead", { lua: READ });
  redis.defineCommand("plazaCountersReadPosts", { lua: READ_POSTS });
  redis.defineCommand("plazaCountersApply", { lua: APPLY_INCREMENT, numberOfKeys: 2 });
  redis.defineCommand("plazaCountersApplyLike", { lua: APPLY_LIKE, numberOfKeys: 3 });
  redis.defineCommand("plazaCountersSeed", { lua: SEED, numberOfKeys: 3 });
  redis.defineCommand("plazaCountersReserve", { lua: RESERVE, numberOfKeys: 1 });
  redis.defineCommand("plazaCountersCompleteRebuild", { lua: COMPLETE_REBUILD, numberOfKeys: 2 });

  const roundTrips = new Map<string, number>();
  const trip = <T>(operation: string, call: Promise<T>): Promise<T> => {
    roundTrips.set(operation, (roundTrips.get(operation) ?? 0) + 1);
    options.onRoundTrip?.(operation);
    return call;
  };
  // Scripts defined with numberOfKeys take keys and arguments directly; the others take the key count first.
  const fixed = redis as unknown as {
    plazaCountersApply(...args: Arg[]): Promise<string | null>;
    plazaCountersApplyLike(...args: Arg[]): Promise<[string, number] | null>;
    plazaCountersReserve(...args: Arg[]): Promise<string | null>;
    plazaCountersCompleteRebuild(...args: Arg[]): Promise<number>;
  };

  function stageSeed(pipeline: ScriptedPipeline, entry: SeedEntry): void {
    const counterKey = redisKeys.counter(entry.key);
    if (entry.key.type !== "LIKE") {
      pipeline.plazaCountersSeed(counterKey, counterKey, counterKey, entry.value, entry.baseOffset, "0");
      return;
    }
    const likesKey = redisKeys.likes(entry.key.resourceId);
    const likers = entry.likers ?? [];
    if (likers.length === 0) {
      pipeline.plazaCountersSeed(counterKey, likesKey, likesKey, entry.value, entry.baseOffset, "2");
      return;
    }
    // Likers go to a staging hash first; the seed script renames it into place only if the counter is absent.
    const staged = redisKeys.staged(randomUUID());
    const state = `L${entry.baseOffset}`;
    for (let i = 0; i < likers.length; i += STAGE_CHUNK) {
      pipeline.hset(staged, Object.fromEntries(likers.slice(i, i + STAGE_CHUNK).map((user) => [user, state])));
    }
    pipeline.expire(staged, STAGE_TTL_SECONDS);
    pipeline.plazaCountersSeed(counterKey, likesKey, staged, entry.value, entry.baseOffset, "1");
  }

  return {
    async read(keys) {
      if (keys.length === 0) return [];
      const reply = await trip("read", redis.plazaCountersRead(keys.length + 1, redisKeys.warm, ...keys.map(redisKeys.counter)));
      return keys.map((_, i) => valueOf(reply[i]));
    },

    async readPosts(postIds, viewerId) {
      if (postIds.length === 0) return [];
      const keys = postIds.flatMap((postId) => [
        redisKeys.counter(likeCounterKey(postId)),
        redisKeys.counter({ resourceId: postId, type: "VIEW" }),
        redisKeys.likes(postId),
      ]);
      const reply = await trip(
        "read_posts",
        redis.plazaCountersReadPosts(keys.length + 1, redisKeys.warm, ...keys, viewerId ?? ""),
      );
      return postIds.map((_, i): PostCounts => ({
        likeCount: valueOf(reply[i * 3]),
        viewCount: valueOf(reply[i * 3 + 1]),
        viewerHasLiked: reply[i * 3 + 2] === "1",
      }));
    },

    async applyIncrement(key: CounterKey, delta: number, position: LogPosition) {
      const reply = await trip(
        "apply",
        fixed.plazaCountersApply(redisKeys.counter(key), redisKeys.warm, delta, position.offset, changeChannel(keyPrefix, key)),
      );
      return reply === null ? { cold: true } : { cold: false, value: Number(reply) };
    },

    async applyLike(postId, userId, liked, position) {
      const key = likeCounterKey(postId);
      const reply = await trip(
        "apply_like",
        fixed.plazaCountersApplyLike(
          redisKeys.counter(key),
          redisKeys.likes(postId),
          redisKeys.warm,
          userId,
          position.offset,
          liked ? "1" : "0",
          changeChannel(keyPrefix, key),
        ),
      );
      return reply === null ? { cold: true } : { cold: false, value: Number(reply[0]), liked: reply[1] === 1 };
    },

    async seed(entries) {
      if (entries.length === 0) return 0;
      const pipeline = redis.pipeline() as ScriptedPipeline;
      // Index of each entry's seed script among the pipeline's replies (staging commands come before it).
      const seedReplies = entries.map((entry) => {
        stageSeed(pipeline, entry);
        return pipeline.length - 1;
      });
      const results = (await trip("seed", pipeline.exec())) ?? [];
      const failed = results.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
      return seedReplies.filter((index) => results[index]?.[1] === 1).length;
    },

    async reserveIdempotencyKey(scope, fingerprint, ttlSeconds) {
      const existing = await trip("reserve", fixed.plazaCountersReserve(redisKeys.idempotency(scope), fingerprint, ttlSeconds));
      return existing === null ? { reserved: true } : { reserved: false, fingerprint: existing };
    },

    async releaseIdempotencyKey(scope) {
      await trip("release", redis.del(redisKeys.idempotency(scope)));
    },

    async isWarm() {
      return (await trip("warm", redis.exists(redisKeys.warm))) === 1;
    },

    async beginFullRebuild() {
      const token = randomUUID();
      await trip("rebuild", redis.set(redisKeys.rebuild, token));
      return token;
    },

    async completeFullRebuild(token) {
      return (await trip("rebuild", fixed.plazaCountersCompleteRebuild(redisKeys.rebuild, redisKeys.warm, token))) === 1;
    },

    async forget() {
      // Cold first: from here on an absent counter is rebuilt, never taken for zero.
      await trip("forget", redis.del(redisKeys.warm, redisKeys.rebuild));
      let removed = 0;
      for (const pattern of [redisKeys.counterPattern, redisKeys.likesPattern]) {
        // SCAN's MATCH and its replies carry the full key; commands given keys add the prefix themselves.
        let cursor = "0";
        do {
          const [nextCursor, keys] = await trip("forget", redis.scan(cursor, "MATCH", `${keyPrefix}${pattern}`, "COUNT", 1000));
          cursor = nextCursor;
          if (keys.length > 0) removed += await trip("forget", redis.unlink(...keys.map((key) => key.slice(keyPrefix.length))));
        } while (cursor !== "0");
      }
      return removed;
    },

    roundTrips: (operation) =>
      operation ? (roundTrips.get(operation) ?? 0) : [...roundTrips.values()].reduce((a, b) => a + b, 0),

    async close() {
      // The client belongs to the caller (shared with the change feed and health checks).
    },
  };
}
