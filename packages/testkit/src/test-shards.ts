import { createPrismaShards, migrateShards, type PrismaShards, type SqlDriverAdapterFactory } from "@plaza/sharding";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

export interface OutboxRow {
  type: string;
  key: string;
  payload: { id: string; payload: Record<string, unknown> };
}

export interface TestShards<C> {
  shards: PrismaShards<C>;
  /** Postgres URLs of the shards (empty for PGlite). */
  urls: string[];
  /** Outbox rows of every shard, oldest first per shard. */
  outbox(): Promise<OutboxRow[]>;
  close(): Promise<void>;
}

/**
 * A subgraph's migrated shards for contract and integration tests: fresh Postgres test databases, or in-memory
 * PGlite (the embedded default). Few buckets, so a handful of keys lands on every shard.
 */
export async function openTestShards<C>(opts: {
  kind: "postgres" | "pglite";
  /** Test database name prefix (the subgraph's name). */
  prefix: string;
  migrationsDir: string;
  makeClient: (adapter: SqlDriverAdapterFactory) => C;
  count?: number;
}): Promise<TestShards<C>> {
  const count = opts.count ?? 2;
  const databases: TestDatabase[] =
    opts.kind === "postgres" ? await Promise.all(Array.from({ length: count }, () => createTestDatabase(opts.prefix))) : [];
  const shards = await createPrismaShards({
    ...(opts.kind === "postgres"
      ? { shardUrls: databases.map((db) => db.url), poolMax: 5 }
      : { pgliteDirs: Array(count).fill("memory://") }),
    bucketCount: 16,
    makeClient: (adapter) => opts.makeClient(adapter),
  });
  await migrateShards({ migrationsDir: opts.migrationsDir, shards: shards.all });
  return {
    shards,
    urls: databases.map((db) => db.url),
    async outbox() {
      const rows = await Promise.all(
        shards.all.map((shard) => shard.sql.query("SELECT type, key, payload, seq FROM outbox_events ORDER BY seq")),
      );
      return rows.flat() as unknown as OutboxRow[];
    },
    async close() {
      await shards.close();
      await Promise.all(databases.map((db) => db.drop()));
    },
  };
}
