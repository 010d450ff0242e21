/**
 * Routes a bucket, shard key or id to the physical shard that holds it.
 *
 * Generic over the shard object: pass `{ name, client }` pairs (or the richer PrismaShard objects
 * from createPrismaShards) and get the same objects back, with the client's type preserved.
 */
import { bucketOfKey, DEFAULT_BUCKET_COUNT, evenBucketMap, randomBucket, type BucketMap } from "./buckets.ts";
import { bucketOfId, newId } from "./ids.ts";

export interface Shard<C> {
  readonly name: string;
  readonly client: C;
}

export interface ShardGroup<S, T> {
  readonly shard: S;
  readonly items: T[];
}

export interface ShardIdGroup<S> {
  readonly shard: S;
  /** Distinct ids routed to this shard, in first-seen order. */
  readonly ids: string[];
}

export interface ShardRouter<S> {
  readonly bucketCount: number;
  readonly bucketMap: BucketMap;
  /** Every physical shard, in configuration order. */
  all(): readonly S[];
  /** The shard called `name`, or undefined. */
  byName(name: string): S | undefined;
  /** Throws RangeError for a bucket outside 0..bucketCount-1 (a programming error, not user input). */
  forBucket(bucket: number): S;
  bucketOfKey(key: string): number;
  forKey(key: string): S;
  /** The bucket of a well-formed id within this router's bucket count, else null. */
  bucketOfId(id: unknown): number | null;
  /** The shard holding `id`, or null when the id is malformed (callers answer "not found"). */
  forId(id: unknown): S | null;
  /** A new id in a random bucket: for entities that are their own shard key (users, conversations). */
  newId(): string;
  /** A new id in the bucket of `key`, so the entity lives on the same shard as that key. */
  newIdForKey(key: string): string;
  /** A new id in the same bucket as `id` (co-location, e.g. a message beside its conversation). Throws on a malformed id. */
  newIdBeside(id: string): string;
  /** Ids grouped by shard for one query per shard per batch; malformed ids are left out. */
  groupIdsByShard(ids: readonly unknown[]): ShardIdGroup<S>[];
  /** Items grouped by the shard of the bucket `bucketOf` returns; items with a null bucket are left out. */
  groupByShard<T>(items: readonly T[], bucketOf: (item: T) => number | null): ShardGroup<S, T>[];
  /**
   * A DataLoader batch function body: one `fetch` per shard (in parallel), results aligned with
   * `ids` (null for unknown or malformed ids).
   */
  loadByIds<T>(
    ids: readonly unknown[],
    fetch: (shard: S, ids: string[]) => Promise<readonly T[]>,
    idOf: (row: T) => string,
  ): Promise<Array<T | null>>;
}

export interface ShardRouterOptions<S> {
  shards: readonly S[];
  /** Defaults to buckets spread evenly over `shards` in order. */
  bucketMap?: BucketMap;
  /** Used only when bucketMap is not given. */
  bucketCount?: number;
}

export function createShardRouter<C, S extends Shard<C> = Shard<C>>(options: ShardRouterOptions<S>): ShardRouter<S> {
  const shards = [...options.shards];
  const byName = new Map<string, S>();
  for (const shard of shards) {
    if (byName.has(shard.name)) throw new Error(`duplicate shard name ${shard.name}`);
    byName.set(shard.name, shard);
  }
  const bucketMap =
    options.bucketMap ??
    evenBucketMap(
      options.bucketCount ?? DEFAULT_BUCKET_COUNT,
      shards.map((shard) => shard.name),
    );
  const unknown = bucketMap.shards.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `bucket map names shards that are not configured: ${unknown.join(", ")} (configured: ${[...byName.keys()].join(", ")})`,
    );
  }
  const { bucketCount } = bucketMap;
  // One array lookup per routed query.
  const owners: S[] = Array.from({ length: bucketCount }, (_, bucket) => byName.get(bucketMap.shardOf(bucket))!);

  const forBucket = (bucket: number): S => {
    const shard = owners[bucket];
    if (shard === undefined || !Number.isInteger(bucket)) {
      throw new RangeError(`bucket must be an integer in 0..${bucketCount - 1}, got ${bucket}`);
    }
    return shard;
  };
  const bucketOfIdInRange = (id: unknown): number | null => {
    const bucket = bucketOfId(id);
    return bucket !== null && bucket < bucketCount ? bucket : null;
  };
  const groupByShard = <T>(items: readonly T[], bucketOf: (item: T) => number | null): ShardGroup<S, T>[] => {
    const groups = new Map<S, T[]>();
    for (const item of items) {
      const bucket = bucketOf(item);
      if (bucket === null) continue;
      const shard = forBucket(bucket);
      const group = groups.get(shard);
      if (group) group.push(item);
      else groups.set(shard, [item]);
    }
    return [...groups].map(([shard, grouped]) => ({ shard, items: grouped }));
  };
  const groupIdsByShard = (ids: readonly unknown[]): ShardIdGroup<S>[] => {
    const distinct = [...new Set(ids)].filter((id): id is string => bucketOfIdInRange(id) !== null);
    return groupByShard(distinct, bucketOfIdInRange).map(({ shard, items }) => ({ shard, ids: items }));
  };

  return {
    bucketCount,
    bucketMap,
    all: () => shards,
    byName: (name) => byName.get(name),
    forBucket,
    bucketOfKey: (key) => bucketOfKey(key, bucketCount),
    forKey: (key) => forBucket(bucketOfKey(key, bucketCount)),
    bucketOfId: bucketOfIdInRange,
    forId(id) {
      const bucket = bucketOfIdInRange(id);
      return bucket === null ? null : forBucket(bucket);
    },
    newId: () => newId(randomBucket(bucketCount)),
    newIdForKey: (key) => newId(bucketOfKey(key, bucketCount)),
    newIdBeside(id) {
      const bucket = bucketOfIdInRange(id);
      if (bucket === null) throw new RangeError(`not a routable id: ${JSON.stringify(id)}`);
      return newId(bucket);
    },
    groupIdsByShard,
    groupByShard,
    async loadByIds(ids, fetch, idOf) {
      const groups = groupIdsByShard(ids);
      const results = await Promise.all(groups.map(({ shard, ids: shardIds }) => fetch(shard, shardIds)));
      const found = new Map<string, (typeof results)[number][number]>();
      for (const rows of results) for (const row of rows) found.set(idOf(row), row);
      return ids.map((id) => (typeof id === "string" ? (found.get(id) ?? null) : null));
    },
  };
}
