/**
 * Entity ids that carry their bucket, so a lookup by id goes to exactly one shard.
 *
 * Layout: 26 characters of Crockford base32 (0-9 A-Z without I L O U; URL-safe, case-sensitive
 * upper case only):
 *
 *   TTTTTTTTTT BBB RRRRRRRRRRRRR
 *   |          |   └ 13 chars: 65 random bits (monotonic within one millisecond in one process)
 *   |          └ 3 chars: logical bucket, 15 bits (0..32767)
 *   └ 10 chars: creation time, 48-bit Unix milliseconds (first char 0-7)
 *
 * Ids sort by creation time (millisecond resolution) as plain strings, in JavaScript and in
 * Postgres alike (all characters are ASCII letters/digits, whose order agrees in "C" and the usual
 * UTF-8 collations). Within one millisecond ids made by one process with the same bucket keep
 * creation order, because the random tail then grows by a random step instead of being redrawn.
 *
 * This layout is persistent data: never change it.
 */
import { randomFillSync } from "node:crypto";

export const ID_LENGTH = 26;
/** Buckets that fit in an id (15 bits). */
export const ID_MAX_BUCKETS = 32_768;

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10;
const BUCKET_CHARS = 3;
const RANDOM_CHARS = 13;
const BUCKET_OFFSET = TIME_CHARS;
const MAX_TIME = 2 ** 48 - 1;
const ID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

// Random bytes are drawn in blocks: one syscall per ~300 ids instead of one per id.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;
function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

let lastTime = -1;
const lastRandom = new Uint8Array(RANDOM_CHARS); // base32 digits, most significant first

function drawRandom(): void {
  for (let i = 0; i < RANDOM_CHARS; i++) lastRandom[i] = randomByte() & 31;
}

/** Adds a random step of 1..2^20 to the random tail; false when it overflows. */
function stepRandom(): boolean {
  let carry = 1 + ((randomByte() << 12) | (randomByte() << 4) | (randomByte() >> 4));
  for (let i = RANDOM_CHARS - 1; i >= 0 && carry > 0; i--) {
    const sum = lastRandom[i]! + carry;
    lastRandom[i] = sum & 31;
    carry = sum >>> 5;
  }
  return carry === 0;
}

function assertBucket(bucket: number): void {
  if (!Number.isInteger(bucket) || bucket < 0 || bucket >= ID_MAX_BUCKETS) {
    throw new RangeError(`bucket must be an integer in 0..${ID_MAX_BUCKETS - 1}, got ${bucket}`);
  }
}

function encodeTime(ms: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/**
 * A new id in `bucket`. `now` (Unix ms) is for tests; a clock that steps back keeps the last time
 * seen, so ids from one process never go backwards.
 */
export function newId(bucket: number, now: number = Date.now()): string {
  assertBucket(bucket);
  if (!Number.isInteger(now) || now < 0 || now > MAX_TIME) throw new RangeError(`time out of range: ${now}`);
  if (now > lastTime) {
    lastTime = now;
    drawRandom();
  } else if (!stepRandom()) {
    // 65 bits exhausted within one millisecond: borrow the next millisecond.
    if (lastTime === MAX_TIME) throw new RangeError("id time space exhausted");
    lastTime += 1;
    drawRandom();
  }
  return encodeId(lastTime, bucket, lastRandom);
}

/** The id string for these parts (no validation); exposed for layout tests. */
export function encodeId(time: number, bucket: number, randomDigits: ArrayLike<number>): string {
  let out = encodeTime(time);
  out += ALPHABET[(bucket >> 10) & 31]! + ALPHABET[(bucket >> 5) & 31]! + ALPHABET[bucket & 31]!;
  for (let i = 0; i < RANDOM_CHARS; i++) out += ALPHABET[randomDigits[i]! & 31]!;
  return out;
}

/** True when `value` is a well-formed id (exact length, alphabet, upper case, time in range). */
export function isId(value: unknown): value is string {
  return typeof value === "string" && ID_PATTERN.test(value);
}

function decodeDigits(id: string, offset: number, count: number): number {
  let value = 0;
  for (let i = offset; i < offset + count; i++) value = value * 32 + DECODE[id.charCodeAt(i)]!;
  return value;
}

/** The bucket embedded in `id`, or null when `id` is not a well-formed id. Never throws. */
export function bucketOfId(id: unknown): number | null {
  if (!isId(id)) return null;
  return decodeDigits(id, BUCKET_OFFSET, BUCKET_CHARS);
}

/** The creation time embedded in `id`, or null when `id` is not a well-formed id. */
export function idTime(id: unknown): Date | null {
  if (!isId(id)) return null;
  return new Date(decodeDigits(id, 0, TIME_CHARS));
}

/**
 * The smallest id string created at or after `time` (any bucket): `id >= lowerBoundId(t)` selects
 * rows created since `t` with an index on the id alone.
 */
export function lowerBoundId(time: Date | number): string {
  const ms = typeof time === "number" ? time : time.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIME) throw new RangeError(`time out of range: ${ms}`);
  return encodeTime(ms) + "0".repeat(BUCKET_CHARS + RANDOM_CHARS);
}

/**
 * A Postgres expression that computes the bucket of the id stored in `column` (a quoted or plain
 * column reference, e.g. `"authorId"`), for operators moving buckets between shards:
 * `SELECT * FROM "Post" WHERE ${bucketSqlExpression('"id"')} BETWEEN 512 AND 767`.
 */
export function bucketSqlExpression(column: string): string {
  const digit = (position: number): string => `(strpos('${ALPHABET}', substr(${column}, ${position}, 1)) - 1)`;
  const first = BUCKET_OFFSET + 1; // SQL positions are 1-based
  return `(${digit(first)} * 1024 + ${digit(first + 1)} * 32 + ${digit(first + 2)})`;
}
