/**
 * Logical buckets and their placement on physical shards.
 *
 * A shard key (user id, conversation id, ...) hashes to one of a fixed number of logical buckets;
 * a bucket map says which physical shard holds each bucket. Adding a shard means copying some
 * buckets' rows to it and then changing the map, never re-hashing. The bucket count is therefore
 * fixed for the life of the data: changing it moves almost every key.
 *
 * Map forms (inclusive ranges; a shard is named `shard<n>` or just `<n>`, its index in the shard list):
 *   text: "0-511:shard0,512-1023:shard1"         (single buckets allowed: "7:shard2")
 *   JSON: {"shard0":["0-511"],"shard1":"512-1023"}
 */
import { murmur3 } from "./hash.ts";
import { ID_MAX_BUCKETS } from "./ids.ts";

export const DEFAULT_BUCKET_COUNT = 1024;
/** The largest bucket count ids can carry. */
export const MAX_BUCKET_COUNT = ID_MAX_BUCKETS;

/** An inclusive range of buckets held by one shard. */
export interface BucketRange {
  readonly from: number;
  readonly to: number;
  readonly shard: string;
}

export interface BucketMap {
  readonly bucketCount: number;
  /** Every shard the map places buckets on, in first-appearance order. */
  readonly shards: readonly string[];
  /** The shard holding `bucket`; throws RangeError for a bucket outside 0..bucketCount-1. */
  shardOf(bucket: number): string;
  /** Maximal contiguous ranges, in bucket order. */
  ranges(): readonly BucketRange[];
  /** The ranges held by `shard` (empty when it holds none). */
  rangesOf(shard: string): readonly BucketRange[];
  /** The text form, accepted back by parseBucketMap. */
  toString(): string;
  /** The JSON form ({ shard: ["from-to", ...] }), accepted back by parseBucketMap. */
  toJSON(): Record<string, string[]>;
}

/** A bad bucket count or map; `problems` lists every issue found, not only the first. */
export class BucketMapError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid bucket map: ${problems.join("; ")}`);
    this.name = "BucketMapError";
    this.problems = problems;
  }
}

/** The bucket of a shard key. Stable forever (see hash.ts). */
export function bucketOfKey(key: string, bucketCount: number = DEFAULT_BUCKET_COUNT): number {
  return murmur3(key) % bucketCount;
}

/** A uniformly random bucket, for entities whose id is their own shard key (spreads load evenly). */
export function randomBucket(bucketCount: number = DEFAULT_BUCKET_COUNT): number {
  return Math.floor(Math.random() * bucketCount);
}

export function validateBucketCount(bucketCount: number): string | null {
  if (!Number.isInteger(bucketCount) || bucketCount < 1 || bucketCount > MAX_BUCKET_COUNT) {
    return `bucket count must be an integer in 1..${MAX_BUCKET_COUNT}, got ${String(bucketCount)}`;
  }
  return null;
}

/** The canonical name of the shard at `index`. */
export function shardName(index: number): string {
  return `shard${index}`;
}

/** Buckets spread evenly in contiguous ranges over `shards` (shard i gets the i-th slice). */
export function evenBucketMap(bucketCount: number, shards: number | readonly string[]): BucketMap {
  const names = typeof shards === "number" ? Array.from({ length: shards }, (_, i) => shardName(i)) : [...shards];
  const problems: string[] = [];
  const countProblem = validateBucketCount(bucketCount);
  if (countProblem) problems.push(countProblem);
  if (names.length === 0) problems.push("at least one shard is required");
  else if (names.length > bucketCount) problems.push(`${names.length} shards cannot share ${bucketCount} buckets`);
  if (new Set(names).size !== names.length) problems.push(`duplicate shard names in ${names.join(",")}`);
  if (problems.length > 0) throw new BucketMapError(problems);
  const owner = new Uint16Array(bucketCount);
  for (let i = 0; i < names.length; i++) {
    const from = Math.floor((i * bucketCount) / names.length);
    const to = Math.floor(((i + 1) * bucketCount) / names.length);
    owner.fill(i, from, to);
  }
  return buildMap(owner, names);
}

export interface ParseBucketMapOptions {
  bucketCount: number;
  /** Known shard names; when given, a map naming any other shard is rejected. */
  shards?: readonly string[];
}

/** Parses the text or JSON form (see the module comment). Throws BucketMapError listing every problem. */
export function parseBucketMap(spec: string, options: ParseBucketMapOptions): BucketMap {
  const { bucketCount } = options;
  const countProblem = validateBucketCount(bucketCount);
  if (countProblem) throw new BucketMapError([countProblem]);
  const problems: string[] = [];
  const entries = parseEntries(spec.trim(), problems);
  const known = options.shards ? new Set(options.shards) : null;
  const names: string[] = [];
  const indexOf = new Map<string, number>();
  const owner = new Int32Array(bucketCount).fill(-1);
  for (const entry of entries) {
    const shard = normalizeShard(entry.shard);
    if (shard === null) {
      problems.push(`"${entry.text}": shard name must be non-empty and contain no spaces, ":" or ","`);
      continue;
    }
    if (known && !known.has(shard)) {
      problems.push(`"${entry.text}": unknown shard ${shard} (configured: ${[...known].join(", ") || "none"})`);
      continue;
    }
    const range = parseRange(entry.range);
    if (!range) {
      problems.push(`"${entry.text}": range must look like "from-to" or "n" with whole numbers`);
      continue;
    }
    if (range.from > range.to) {
      problems.push(`"${entry.text}": range start ${range.from} is after its end ${range.to}`);
      continue;
    }
    if (range.to >= bucketCount) {
      problems.push(`"${entry.text}": bucket ${range.to} is outside 0..${bucketCount - 1}`);
      continue;
    }
    let index = indexOf.get(shard);
    if (index === undefined) {
      index = names.length;
      names.push(shard);
      indexOf.set(shard, index);
    }
    const overlaps = new Set<string>();
    for (let b = range.from; b <= range.to; b++) {
      const previous = owner[b]!;
      if (previous !== -1) overlaps.add(names[previous]!);
      owner[b] = index;
    }
    if (overlaps.size > 0) problems.push(`"${entry.text}": overlaps buckets already given to ${[...overlaps].join(", ")}`);
  }
  const missing = rangesWhere(owner, (value) => value === -1);
  if (missing.length > 0) {
    problems.push(`buckets not assigned to any shard: ${missing.map(formatRange).join(", ")}`);
  }
  if (names.length === 0 && entries.length === 0 && problems.length === 0) problems.push("the map is empty");
  if (problems.length > 0) throw new BucketMapError(problems);
  return buildMap(Uint16Array.from(owner), names);
}

interface RawEntry {
  range: string;
  shard: string;
  text: string;
}

function parseEntries(spec: string, problems: string[]): RawEntry[] {
  if (spec.startsWith("{") || spec.startsWith("[")) return parseJsonEntries(spec, problems);
  const entries: RawEntry[] = [];
  for (const part of spec.split(",")) {
    const text = part.trim();
    if (text === "") continue;
    const colon = text.lastIndexOf(":");
    if (colon === -1) {
      problems.push(`"${text}": expected "range:shard", e.g. "0-511:shard0"`);
      continue;
    }
    entries.push({ range: text.slice(0, colon).trim(), shard: text.slice(colon + 1).trim(), text });
  }
  return entries;
}

function parseJsonEntries(spec: string, problems: string[]): RawEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(spec);
  } catch (error) {
    problems.push(`not valid JSON (${(error as Error).message})`);
    return [];
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push('JSON form must be an object like {"shard0":["0-511"]}');
    return [];
  }
  const entries: RawEntry[] = [];
  for (const [shard, ranges] of Object.entries(value)) {
    const list: unknown[] = Array.isArray(ranges) ? ranges : [ranges];
    for (const range of list) {
      if (typeof range !== "string" && typeof range !== "number") {
        problems.push(`${shard}: ranges must be strings like "0-511", got ${JSON.stringify(range)}`);
        continue;
      }
      entries.push({ range: String(range), shard, text: `${String(range)}:${shard}` });
    }
  }
  return entries;
}

function normalizeShard(raw: string): string | null {
  const shard = raw.trim();
  if (shard === "" || /[\s:,]/.test(shard)) return null;
  return /^\d+$/.test(shard) ? shardName(Number(shard)) : shard;
}

function parseRange(raw: string): { from: number; to: number } | null {
  const match = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(raw.trim());
  if (!match) return null;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) return null;
  return { from, to };
}

function formatRange(range: { from: number; to: number }): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

function rangesWhere(owner: ArrayLike<number>, test: (value: number) => boolean): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  for (let b = 0; b < owner.length; b++) {
    if (!test(owner[b]!)) continue;
    const last = out[out.length - 1];
    if (last && last.to === b - 1) last.to = b;
    else out.push({ from: b, to: b });
  }
  return out;
}

function buildMap(owner: Uint16Array, names: readonly string[]): BucketMap {
  const bucketCount = owner.length;
  const ranges: BucketRange[] = [];
  for (let b = 0; b < bucketCount; b++) {
    const shard = names[owner[b]!]!;
    const last = ranges[ranges.length - 1];
    if (last && last.shard === shard) ranges[ranges.length - 1] = { ...last, to: b };
    else ranges.push({ from: b, to: b, shard });
  }
  const frozenRanges = Object.freeze(ranges.map((range) => Object.freeze(range)));
  const rangesOf = (shard: string): readonly BucketRange[] => frozenRanges.filter((range) => range.shard === shard);
  const toJSON = (): Record<string, string[]> => Object.fromEntries(names.map((name) => [name, rangesOf(name).map(formatRange)]));
  return {
    bucketCount,
    shards: Object.freeze([...names]),
    shardOf(bucket: number): string {
      if (!Number.isInteger(bucket) || bucket < 0 || bucket >= bucketCount) {
        throw new RangeError(`bucket must be an integer in 0..${bucketCount - 1}, got ${bucket}`);
      }
      return names[owner[bucket]!]!;
    },
    ranges: () => frozenRanges,
    rangesOf,
    toString: () => frozenRanges.map((range) => `${formatRange(range)}:${range.shard}`).join(","),
    toJSON,
  };
}
