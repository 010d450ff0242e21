/**
 * Lua scripts of the Redis counter store. Each runs atomically, so one call is one round trip and no other
 * command interleaves. Layout (every key under the service's REDIS_KEY_PREFIX):
 *   ctr:v:<TYPE>:<resourceId>   hash { v = value, o = base offset }  (base: events at or below it are included in v)
 *   ctr:likes:<postId>          hash userId -> "L<offset>" (likes) | "U<offset>" (withdrawn), offset of the last change
 *   ctr:warm                    present while the store has not lost data since its last full rebuild
 *   ctr:rebuild                 token of the full rebuild in progress
 *   ctr:idem:<scope>            fingerprint of an idempotent call, with a TTL
 * New values are published on channel <prefix>ctr:changed:<TYPE>:<resourceId>.
 */

/** KEYS: warm, counter…  → value per counter ("" = cold). */
export const READ = `
local warm = redis.call('EXISTS', KEYS[1]) == 1
local out = {}
for i = 2, #KEYS do
  local v = redis.call('HGET', KEYS[i], 'v')
  if v then out[i - 1] = v elseif warm then out[i - 1] = '0' else out[i - 1] = '' end
end
return out`;

/** KEYS: warm, then per post (LIKE counter, VIEW counter, likes); ARGV: viewer ("" = anonymous) → like, view, liked per post. */
export const READ_POSTS = `
local warm = redis.call('EXISTS', KEYS[1]) == 1
local viewer = ARGV[1]
local out = {}
for i = 2, #KEYS, 3 do
  local like = redis.call('HGET', KEYS[i], 'v')
  local view = redis.call('HGET', KEYS[i + 1], 'v')
  local liked = '0'
  if like and viewer ~= '' then
    local state = redis.call('HGET', KEYS[i + 2], viewer)
    if state and string.sub(state, 1, 1) == 'L' then liked = '1' end
  end
  out[#out + 1] = like or (warm and '0' or '')
  out[#out + 1] = view or (warm and '0' or '')
  out[#out + 1] = liked
end
return out`;

/** KEYS: counter, warm; ARGV: delta, offset, channel → new value, or nil when cold. */
export const APPLY_INCREMENT = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('EXISTS', KEYS[2]) == 0 then return false end
  redis.call('HSET', KEYS[1], 'v', 0, 'o', -1)
end
if tonumber(ARGV[2]) <= tonumber(redis.call('HGET', KEYS[1], 'o')) then
  return redis.call('HGET', KEYS[1], 'v')
end
local v = redis.call('HINCRBY', KEYS[1], 'v', ARGV[1])
redis.call('PUBLISH', ARGV[3], v)
return tostring(v)`;

/**
 * KEYS: LIKE counter, likes, warm; ARGV: user, offset, "1" like | "0" unlike, channel → { value, liked }, or nil when
 * cold. Of two changes by one user the one with the higher offset wins whatever order they arrive in (an older
 * one is ignored), which is what applying them in log order gives; the count moves only when the state flips.
 */
export const APPLY_LIKE = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('EXISTS', KEYS[3]) == 0 then return false end
  redis.call('HSET', KEYS[1], 'v', 0, 'o', -1)
end
local offset = tonumber(ARGV[2])
local prev = redis.call('HGET', KEYS[2], ARGV[1])
local likedBefore = prev and string.sub(prev, 1, 1) == 'L'
if offset <= tonumber(redis.call('HGET', KEYS[1], 'o')) or (prev and tonumber(string.sub(prev, 2)) >= offset) then
  return { redis.call('HGET', KEYS[1], 'v'), likedBefore and 1 or 0 }
end
local like = ARGV[3] == '1'
redis.call('HSET', KEYS[2], ARGV[1], (like and 'L' or 'U') .. ARGV[2])
local v = redis.call('HGET', KEYS[1], 'v')
if like ~= likedBefore then
  v = tostring(redis.call('HINCRBY', KEYS[1], 'v', like and 1 or -1))
  redis.call('PUBLISH', ARGV[4], v)
end
return { v, like and 1 or 0 }`;

/**
 * KEYS: counter, likes, staged likers; ARGV: value, base offset, mode ("0" plain counter, "1" LIKE counter with
 * staged likers, "2" LIKE counter without likers) → 1 if stored, 0 if the counter was already present.
 */
export const SEED = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[3] == '1' then redis.call('DEL', KEYS[3]) end
  return 0
end
if ARGV[3] == '1' then
  redis.call('RENAME', KEYS[3], KEYS[2])
  redis.call('PERSIST', KEYS[2])
elseif ARGV[3] == '2' then
  redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'o', ARGV[2])
return 1`;

/** KEYS: idempotency key; ARGV: fingerprint, ttl seconds → nil when reserved now, else the stored fingerprint. */
export const RESERVE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])`;

/** KEYS: rebuild token, warm; ARGV: token → 1 when the store was marked warm. */
export const COMPLETE_REBUILD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], '1')
redis.call('DEL', KEYS[1])
return 1`;
