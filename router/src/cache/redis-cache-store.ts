import type { Redis } from "ioredis";

/** A response found in Redis, and Redis's clock at the time of the read. */
export interface RedisLookup {
  hit: { body: string; tags: string[]; pttlMs: number } | null;
  /** Microseconds since the epoch on Redis's clock, as a decimal string; hand it back to `set`. */
  readAt: string;
}

/**
 * The shared second level. Layout under `<prefix>rc:` — `r:<key>` a hash {b: body, t: tags JSON} with the TTL;
 * `e:<tag>` the set of response keys carrying the tag; `x:<tag>` a tombstone holding the Redis time of the tag's
 * last invalidation. Every multi-key step is one Lua script, so an invalidation and a concurrent store never
 * interleave, and nothing ever lists keys (no KEYS/SCAN). Single Redis node (the scripts touch keys they derive).
 */
export interface RedisCacheStore {
  get(key: string): Promise<RedisLookup>;
  /**
   * Stores unless a tag was invalidated at or after `readAt` (the read that preceded the upstream fetch), so data
   * fetched before an invalidation never lands after it. Resolves whether it stored.
   */
  set(key: string, body: string, tags: readonly string[], ttlMs: number, readAt: string): Promise<boolean>;
  /**
   * Evicts every response carrying one of the tags and tombstones them. One script call is in flight at a time;
   * calls made meanwhile share the next one (hot mutations invalidate the same tags many times a second). A call
   * never joins one already sent, since that one may have run before the caller's write.
   */
  invalidate(tags: readonly string[]): Promise<number>;
}

// Lua 5.1 numbers are doubles: microsecond timestamps (~1.8e15) are exact, but tostring() would round them,
// so the clock is formatted from TIME's two parts.
const CLOCK = "local t = redis.call('TIME') local now = t[1] .. string.format('%06d', tonumber(t[2]))";

const GET_SCRIPT = `
${CLOCK}
local v = redis.call('HMGET', KEYS[1], 'b', 't')
if not v[1] then return {0, now} end
return {1, now, v[1], v[2] or '[]', redis.call('PTTL', KEYS[1])}
`;

// KEYS: response key, then n tag sets, then n tombstones. ARGV: body, tags JSON, ttl ms, readAt, n, trim (0/1).
const SET_SCRIPT = `
local n = tonumber(ARGV[5])
local readAt = tonumber(ARGV[4])
for i = 1, n do
  local dead = redis.call('GET', KEYS[1 + n + i])
  if dead and tonumber(dead) >= readAt then return 0 end
end
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'b', ARGV[1], 't', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
for i = 1, n do
  local set = KEYS[1 + i]
  redis.call('SADD', set, KEYS[1])
  -- The set must outlive its longest-lived member: NX sets a first TTL, GT only ever extends it.
  redis.call('PEXPIRE', set, ttl, 'NX')
  redis.call('PEXPIRE', set, ttl, 'GT')
  if ARGV[6] == '1' then
    -- Amortized clean-up of members that expired on their own, by sampling (never a full scan).
    for _, member in ipairs(redis.call('SRANDMEMBER', set, 32)) do
      if redis.call('EXISTS', member) == 0 then redis.call('SREM', set, member) end
    end
  end
end
return 1
`;

// KEYS: n tag sets, then n tombstones. ARGV: n, tombstone ttl ms.
const INVALIDATE_SCRIPT = `
${CLOCK}
local n = tonumber(ARGV[1])
local deleted = 0
for i = 1, n do
  local members = redis.call('SMEMBERS', KEYS[i])
  for from = 1, #members, 500 do
    deleted = deleted + redis.call('UNLINK', unpack(members, from, math.min(from + 499, #members)))
  end
  redis.call('DEL', KEYS[i])
  redis.call('SET', KEYS[n + i], now, 'PX', tonumber(ARGV[2]))
end
return deleted
`;

type ScriptRedis = Redis & {
  plazaCacheGet(key: string): Promise<[0, string] | [1, string, string, string, number]>;
  plazaCacheSet(...args: Array<string | number>): Promise<number>;
  plazaCacheInvalidate(...args: Array<string | number>): Promise<number>;
};

export interface RedisCacheStoreOptions {
  redis: Redis;
  /** Prepended to every key (REDIS_KEY_PREFIX); the client itself must not have an ioredis keyPrefix. */
  keyPrefix: string;
  /** How long tombstones live: longer than any request may take between its read and its store. */
  tombstoneMs: number;
  /** Probability that a store also samples its tag sets for expired members. */
  trimProbability?: number;
}

/** Bounds one invalidation script's key list. */
const MAX_TAGS_PER_INVALIDATION = 512;

export function createRedisCacheStore(options: RedisCacheStoreOptions): RedisCacheStore {
  const redis = options.redis as ScriptRedis;
  if (typeof redis.plazaCacheGet !== "function") {
    redis.defineCommand("plazaCacheGet", { numberOfKeys: 1, lua: GET_SCRIPT });
    redis.defineCommand("plazaCacheSet", { lua: SET_SCRIPT });
    redis.defineCommand("plazaCacheInvalidate", { lua: INVALIDATE_SCRIPT });
  }
  const base = `${options.keyPrefix}rc:`;
  const responseKey = (key: string) => `${base}r:${key}`;
  const tagSet = (tag: string) => `${base}e:${tag}`;
  const tombstone = (tag: string) => `${base}x:${tag}`;
  const trimProbability = options.trimProbability ?? 1 / 32;
  /** The batch still taking tags, and the one call that may be in flight before it. */
  let open: { tags: Set<string>; evicted: Promise<number> } | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();

  function sendInvalidation(tags: readonly string[]): Promise<number> {
    const keys = [...tags.map(tagSet), ...tags.map(tombstone)];
    return redis.plazaCacheInvalidate(keys.length, ...keys, tags.length, options.tombstoneMs);
  }

  return {
    async get(key) {
      const reply = await redis.plazaCacheGet(responseKey(key));
      if (reply[0] === 0) return { hit: null, readAt: reply[1] };
      const [, readAt, body, tags, pttl] = reply;
      return { hit: { body, tags: JSON.parse(tags) as string[], pttlMs: Number(pttl) }, readAt };
    },
    async set(key, body, tags, ttlMs, readAt) {
      const ttl = Math.max(1, Math.floor(ttlMs));
      const keys = [responseKey(key), ...tags.map(tagSet), ...tags.map(tombstone)];
      const trim = Math.random() < trimProbability ? "1" : "0";
      const stored = await redis.plazaCacheSet(keys.length, ...keys, body, JSON.stringify(tags), ttl, readAt, tags.length, trim);
      return stored === 1;
    },
    invalidate(tags) {
      if (tags.length === 0) return Promise.resolve(0);
      if (!open || open.tags.size >= MAX_TAGS_PER_INVALIDATION) {
        const batch = { tags: new Set<string>(), evicted: Promise.resolve(0) };
        // Group commit: the batch takes tags until the call before it is answered (and one turn more), so under
        // load a round trip carries every invalidation made meanwhile instead of one call each.
        batch.evicted = inFlight
          .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
          .then(() => {
            if (open === batch) open = undefined;
            return sendInvalidation([...batch.tags]);
          });
        inFlight = batch.evicted.catch(() => undefined);
        open = batch;
      }
      for (const tag of tags) open.tags.add(tag);
      return open.evicted;
    },
  };
}
