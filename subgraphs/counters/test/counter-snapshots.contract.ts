import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent, CounterIncremented, PostLiked, PostUnliked, type EventEnvelope } from "@plaza/events";
import { createPrismaShards, migrateShards, type PrismaShards } from "@plaza/sharding";
import { createTestDatabase, type TestDatabase } from "@plaza/testkit";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { COUNTERS_MIGRATIONS_DIR } from "../src/service.ts";
import { createSqlCounterSnapshots } from "../src/adapters/sql/sql-counter-snapshots.ts";
import type { LogBatch } from "../src/application/ports/counter-log.port.ts";
import type { CounterSnapshots } from "../src/application/ports/counter-snapshots.port.ts";

/** Two migrated counters shards: real Postgres databases, or in-memory PGlite (the embedded default). */
async function openCountersTestShards(kind: "postgres" | "pglite") {
  const databases: TestDatabase[] =
    kind === "postgres" ? await Promise.all([0, 1].map(() => createTestDatabase("counters"))) : [];
  const shards: PrismaShards<PrismaClient> = await createPrismaShards({
    ...(kind === "postgres"
      ? { shardUrls: databases.map((db) => db.url), poolMax: 4 }
      : { pgliteDirs: ["memory://", "memory://"] }),
    bucketCount: 16,
    makeClient: (adapter) => new PrismaClient({ adapter }),
  });
  await migrateShards({ migrationsDir: COUNTERS_MIGRATIONS_DIR, shards: shards.all });
  return {
    shards,
    async close() {
      await shards.close();
      await Promise.all(databases.map((db) => db.drop()));
    },
  };
}

const inc = (resourceId: string, delta: number, type: "VIEW" | "SHARE" = "VIEW") =>
  createEvent(CounterIncremented, `${type}:${resourceId}`, { resourceId, type, delta, viewerId: null });
const like = (postId: string, userId: string) => createEvent(PostLiked, `LIKE:${postId}`, { postId, userId });
const unlike = (postId: string, userId: string) => createEvent(PostUnliked, `LIKE:${postId}`, { postId, userId });

/** The write-behind's durable copy, on Postgres shards and on PGlite shards. */
export function runCounterSnapshotsContract(name: string, kind: "postgres" | "pglite") {
  describe(`CounterSnapshots contract: ${name}`, () => {
    let db: Awaited<ReturnType<typeof openCountersTestShards>>;
    let snapshots: CounterSnapshots;
    const logId = `test-${randomUUID()}`;
    let offset = 0;
    /** A batch of the next offsets of partition 0. */
    const batch = (events: EventEnvelope[], partition = 0): LogBatch => {
      const records = events.map((event) => ({ event, offset: offset++ }));
      return { partition, records, lastOffset: offset - 1 };
    };

    beforeAll(async () => {
      db = await openCountersTestShards(kind);
      snapshots = createSqlCounterSnapshots({ shards: db.shards.router });
    });
    afterAll(async () => db?.close());

    it("applies a batch once however often it is delivered, and reads values with the offset they include", async () => {
      const ids = Array.from({ length: 12 }, () => randomUUID());
      const first = batch(ids.map((id, i) => inc(id, i + 1)));
      expect(await snapshots.applyBatch(logId, first)).toBe(12);
      expect(await snapshots.applyBatch(logId, first)).toBe(0);
      // A redelivery that overlaps new events applies only the new ones.
      const second = batch([inc(ids[0]!, 10)]);
      expect(await snapshots.applyBatch(logId, { ...second, records: [...first.records, ...second.records] })).toBe(1);
      const read = await snapshots.read(logId, [
        ...ids.map((resourceId) => ({ resourceId, type: "VIEW" as const })),
        { resourceId: "none", type: "VIEW" },
      ]);
      expect(read.map((e) => e.value)).toEqual([11, ...ids.slice(1).map((_, i) => i + 2), 0]);
      expect(read[0]!.baseOffset).toBe(second.lastOffset);
      expect(read.at(-1)!.baseOffset).toBe(-1);
      const offsets = await snapshots.appliedOffsets(logId);
      expect(offsets.get(0)).toEqual({ lowest: second.lastOffset, highest: second.lastOffset, complete: true });
    });

    it("counts a like once per user and moves the count on flips only", async () => {
      const postId = randomUUID();
      await snapshots.applyBatch(
        logId,
        batch([like(postId, "u1"), like(postId, "u1"), like(postId, "u2"), unlike(postId, "u3")]),
      );
      await snapshots.applyBatch(
        logId,
        batch([unlike(postId, "u2"), like(postId, "u3"), unlike(postId, "u3"), like(postId, "u3")]),
      );
      const [entry] = await snapshots.read(logId, [{ resourceId: postId, type: "LIKE" }]);
      expect(entry!.value).toBe(2);
      expect([...entry!.likers!].sort()).toEqual(["u1", "u3"]);
    });

    it("starts tracking partitions where told, on shards that do not track them yet", async () => {
      await snapshots.initOffsets(logId, 5, 41);
      await snapshots.initOffsets(logId, 5, 99);
      expect((await snapshots.appliedOffsets(logId)).get(5)).toEqual({ lowest: 41, highest: 41, complete: true });
    });

    it("scans every counter page by page", async () => {
      const scanLog = `scan-${randomUUID()}`;
      const ids = Array.from({ length: 25 }, () => randomUUID());
      await snapshots.applyBatch(scanLog, batch([...ids.map((id) => inc(id, 2, "SHARE")), like(ids[0]!, "u9")], 3));
      const seen: string[] = [];
      await snapshots.scan(
        scanLog,
        async (entries) => void seen.push(...entries.map((e) => `${e.key.type}:${e.key.resourceId}:${e.value}:${e.baseOffset}`)),
        7,
      );
      const mine = seen.filter((s) => ids.some((id) => s.includes(id)));
      expect(mine).toHaveLength(26);
      expect(mine.filter((s) => s.startsWith("SHARE:")).every((s) => s.endsWith(`:2:${offset - 1}`))).toBe(true);
    });
  });
}
