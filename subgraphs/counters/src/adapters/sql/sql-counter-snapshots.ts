import type { ShardRouter, SqlClient, SqlQueryable } from "@plaza/sharding";
import { CounterIncremented, isEvent, PostLiked, PostUnliked } from "@plaza/events";
import { counterKeyString, type CounterType } from "../../domain/counter.ts";
import type { LogBatch, LoggedEvent } from "../../application/ports/counter-log.port.ts";
import type { AppliedOffset, CounterSnapshots } from "../../application/ports/counter-snapshots.port.ts";
import type { SeedEntry } from "../../application/ports/counter-store.port.ts";

/** What this adapter needs of a shard: a raw SQL handle (Prisma's own client has no row-level batch upserts). */
export interface SnapshotShard {
  readonly name: string;
  readonly sql: SqlClient;
}

type CounterRow = {
  type: string;
  resource_id: string;
  value: string | number | bigint;
  log_id: string;
  log_partition: number;
};

const toNumber = (value: string | number | bigint) => Number(value);
/** Joins two ids into one map key; JSON keeps any character of either apart (a separator character would not). */
const pairKey = (a: string, b: string) => JSON.stringify([a, b]);
const unpair = (key: string) => JSON.parse(key) as [string, string];

/**
 * Postgres `text` cannot hold U+0000 (it fails the whole statement, and some drivers would cut the string there).
 * Such an id cannot be stored without changing it, and an escaped copy would no longer match the key in the log and
 * in Redis (a rebuild would seed another counter): the event is refused here, and the write-behind parks it on the
 * dead-letter topic. The API refuses control characters, so only events written by other means get here.
 */
export class UnstorableEventError extends Error {
  override readonly name = "UnstorableEventError";
}

function assertStorable(record: LoggedEvent): void {
  const { payload } = record.event as { payload: Record<string, unknown> };
  for (const field of ["resourceId", "postId", "userId"]) {
    const value = payload[field];
    if (typeof value === "string" && value.includes("\u0000")) {
      throw new UnstorableEventError(`${field} of event ${record.event.id} (offset ${record.offset}) contains U+0000`);
    }
  }
}

/**
 * CounterSnapshots on the subgraph's Postgres (or PGlite) shards, in raw SQL: a batch is a few set-based
 * statements per shard (unnest arrays), not a statement per event. Every shard takes part in every batch so each
 * one's offset row says exactly how far it has applied each partition.
 */
export function createSqlCounterSnapshots(options: { shards: ShardRouter<SnapshotShard> }): CounterSnapshots {
  const { shards } = options;
  async function applyOnShard(tx: SqlQueryable, logId: string, partition: number, records: LoggedEvent[], lastOffset: number) {
    await tx.query(
      `INSERT INTO counter_log_offsets (log_id, log_partition, last_offset) VALUES ($1, $2, -1) ON CONFLICT DO NOTHING`,
      [logId, partition],
    );
    // The row lock serializes two consumers that briefly both hold the partition during a rebalance.
    const [row] = await tx.query<{ last_offset: string | number }>(
      `SELECT last_offset FROM counter_log_offsets WHERE log_id = $1 AND log_partition = $2 FOR UPDATE`,
      [logId, partition],
    );
    const applied = toNumber(row!.last_offset);
    if (lastOffset <= applied) return 0;
    const fresh = records.filter((record) => record.offset > applied);
    for (const record of fresh) assertStorable(record);

    const deltas = new Map<string, number>();
    const addDelta = (type: CounterType, resourceId: string, delta: number) => {
      const id = pairKey(type, resourceId);
      deltas.set(id, (deltas.get(id) ?? 0) + delta);
    };
    const likeEvents: Array<{ postId: string; userId: string; liked: boolean }> = [];
    for (const { event } of fresh) {
      if (isEvent(CounterIncremented, event)) addDelta(event.payload.type, event.payload.resourceId, event.payload.delta);
      else if (isEvent(PostLiked, event)) likeEvents.push({ ...event.payload, liked: true });
      else if (isEvent(PostUnliked, event)) likeEvents.push({ ...event.payload, liked: false });
    }

    if (likeEvents.length > 0) {
      // Current states of the pairs this batch touches, then the events in log order: the count moves on flips only.
      const current = await tx.query<{ post_id: string; user_id: string }>(
        `SELECT post_id, user_id FROM post_likes WHERE (post_id, user_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [likeEvents.map((e) => e.postId), likeEvents.map((e) => e.userId)],
      );
      const before = new Set(current.map((r) => pairKey(r.post_id, r.user_id)));
      const state = new Map<string, boolean>();
      for (const e of likeEvents) {
        const pair = pairKey(e.postId, e.userId);
        const liked = state.get(pair) ?? before.has(pair);
        if (liked !== e.liked) addDelta("LIKE", e.postId, e.liked ? 1 : -1);
        state.set(pair, e.liked);
        // Every touched LIKE counter gets a row, so its partition is known even when the likes cancel out.
        if (!deltas.has(pairKey("LIKE", e.postId))) addDelta("LIKE", e.postId, 0);
      }
      const added = [...state].filter(([pair, liked]) => liked && !before.has(pair)).map(([pair]) => unpair(pair));
      const removed = [...state].filter(([pair, liked]) => !liked && before.has(pair)).map(([pair]) => unpair(pair));
      if (added.length > 0) {
        await tx.query(
          `INSERT INTO post_likes (post_id, user_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
          [added.map((p) => p[0]), added.map((p) => p[1])],
        );
      }
      if (removed.length > 0) {
        await tx.query(`DELETE FROM post_likes WHERE (post_id, user_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [
          removed.map((p) => p[0]),
          removed.map((p) => p[1]),
        ]);
      }
    }

    if (deltas.size > 0) {
      const entries = [...deltas].map(([id, delta]) => [...unpair(id), delta] as const);
      await tx.query(
        `INSERT INTO counters (type, resource_id, value, log_id, log_partition, updated_at)
           SELECT t, r, d, $4, $5, now() FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(t, r, d)
         ON CONFLICT (type, resource_id) DO UPDATE
           SET value = counters.value + EXCLUDED.value, log_id = EXCLUDED.log_id,
               log_partition = EXCLUDED.log_partition, updated_at = now()`,
        [entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => String(e[2])), logId, partition],
      );
    }
    await tx.query(
      `UPDATE counter_log_offsets SET last_offset = $3, updated_at = now() WHERE log_id = $1 AND log_partition = $2`,
      [logId, partition, lastOffset],
    );
    return fresh.length;
  }

  /** Seed entries for counter rows read in one snapshot, with the shard's offsets of that same snapshot. */
  async function toSeedEntries(
    tx: SqlQueryable,
    logId: string,
    rows: CounterRow[],
    offsets: Map<number, number>,
  ): Promise<SeedEntry[]> {
    const likePosts = rows.filter((r) => r.type === "LIKE").map((r) => r.resource_id);
    const likers = new Map<string, string[]>();
    if (likePosts.length > 0) {
      const likeRows = await tx.query<{ post_id: string; user_id: string }>(
        `SELECT post_id, user_id FROM post_likes WHERE post_id = ANY($1::text[])`,
        [likePosts],
      );
      for (const r of likeRows) {
        const list = likers.get(r.post_id) ?? [];
        list.push(r.user_id);
        likers.set(r.post_id, list);
      }
    }
    return rows.map((row) => {
      const key = { type: row.type as CounterType, resourceId: row.resource_id };
      // A value last written from another log includes none of this log's events.
      const baseOffset = row.log_id === logId ? (offsets.get(row.log_partition) ?? -1) : -1;
      return {
        key,
        value: toNumber(row.value),
        baseOffset,
        ...(row.type === "LIKE" ? { likers: likers.get(row.resource_id) ?? [] } : {}),
      };
    });
  }

  async function shardOffsets(db: SqlQueryable, logId: string): Promise<Map<number, number>> {
    const rows = await db.query<{ log_partition: number; last_offset: string | number }>(
      `SELECT log_partition, last_offset FROM counter_log_offsets WHERE log_id = $1`,
      [logId],
    );
    return new Map(rows.map((r) => [Number(r.log_partition), toNumber(r.last_offset)]));
  }

  /** One consistent snapshot per shard: the counters and the offsets they include are read together. */
  const snapshot = <T>(shard: SnapshotShard, fn: (tx: SqlQueryable) => Promise<T>) =>
    shard.sql.transaction(async (tx) => {
      await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      return fn(tx);
    });

  return {
    async applyBatch(logId, batch: LogBatch) {
      const byShard = new Map<SnapshotShard, LoggedEvent[]>(shards.all().map((shard) => [shard, []]));
      for (const record of batch.records) byShard.get(shards.forKey(record.event.aggregateId))!.push(record);
      const applied = await Promise.all(
        [...byShard].map(([shard, records]) =>
          shard.sql.transaction((tx) => applyOnShard(tx, logId, batch.partition, records, batch.lastOffset)),
        ),
      );
      return applied.reduce((sum, n) => sum + n, 0);
    },

    async probe(logId, partition) {
      await Promise.all(
        shards
          .all()
          .map((shard) =>
            shard.sql.transaction((tx) =>
              tx.query(`UPDATE counter_log_offsets SET updated_at = now() WHERE log_id = $1 AND log_partition = $2`, [
                logId,
                partition,
              ]),
            ),
          ),
      );
    },

    async appliedOffsets(logId) {
      const perShard = await Promise.all(shards.all().map((shard) => shardOffsets(shard.sql, logId)));
      const result = new Map<number, AppliedOffset>();
      for (const offsets of perShard) {
        for (const [partition, offset] of offsets) {
          const entry = result.get(partition);
          result.set(
            partition,
            entry
              ? { lowest: Math.min(entry.lowest, offset), highest: Math.max(entry.highest, offset), complete: false }
              : { lowest: offset, highest: offset, complete: false },
          );
        }
      }
      for (const [partition, entry] of result) entry.complete = perShard.every((offsets) => offsets.has(partition));
      return result;
    },

    async initOffsets(logId, partition, offset) {
      await Promise.all(
        shards
          .all()
          .map((shard) =>
            shard.sql.query(
              `INSERT INTO counter_log_offsets (log_id, log_partition, last_offset) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
              [logId, partition, offset],
            ),
          ),
      );
    },

    async read(logId, keys) {
      const groups = shards.groupByShard([...keys], (key) => shards.bucketOfKey(counterKeyString(key)));
      const found = new Map<string, SeedEntry>();
      await Promise.all(
        groups.map(({ shard, items }) =>
          snapshot(shard, async (tx) => {
            const rows = await tx.query<CounterRow>(
              `SELECT type, resource_id, value, log_id, log_partition FROM counters
                WHERE (type, resource_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
              [items.map((k) => k.type), items.map((k) => k.resourceId)],
            );
            for (const entry of await toSeedEntries(tx, logId, rows, await shardOffsets(tx, logId))) {
              found.set(counterKeyString(entry.key), entry);
            }
          }),
        ),
      );
      return keys.map(
        (key) =>
          found.get(counterKeyString(key)) ?? { key, value: 0, baseOffset: -1, ...(key.type === "LIKE" ? { likers: [] } : {}) },
      );
    },

    async scan(logId, onPage, pageSize = 1_000) {
      for (const shard of shards.all()) {
        await snapshot(shard, async (tx) => {
          const offsets = await shardOffsets(tx, logId);
          let after: [string, string] = ["", ""];
          for (;;) {
            const rows = await tx.query<CounterRow>(
              `SELECT type, resource_id, value, log_id, log_partition FROM counters
                WHERE (type, resource_id) > ($1, $2) ORDER BY type, resource_id LIMIT $3`,
              [after[0], after[1], pageSize],
            );
            if (rows.length === 0) return;
            await onPage(await toSeedEntries(tx, logId, rows, offsets));
            const last = rows[rows.length - 1]!;
            after = [last.type, last.resource_id];
            if (rows.length < pageSize) return;
          }
        });
      }
    },
  };
}
