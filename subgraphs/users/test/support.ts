import { createPrismaShards, migrateShards, type PrismaShards } from "@plaza/sharding";
import { createTestDatabase, type TestDatabase } from "@plaza/testkit";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { USERS_MIGRATIONS_DIR } from "../src/service.ts";

export interface UsersTestShards {
  shards: PrismaShards<PrismaClient>;
  /** Outbox rows of every shard, oldest first. */
  outbox(): Promise<Array<{ type: string; key: string; payload: { payload: Record<string, unknown> } }>>;
  close(): Promise<void>;
}

/** Two migrated users shards: real Postgres databases, or in-memory PGlite (the embedded default). */
export async function openUsersTestShards(kind: "postgres" | "pglite", count = 2): Promise<UsersTestShards> {
  const databases: TestDatabase[] =
    kind === "postgres" ? await Promise.all(Array.from({ length: count }, () => createTestDatabase("users"))) : [];
  const shards = await createPrismaShards({
    ...(kind === "postgres"
      ? { shardUrls: databases.map((db) => db.url), poolMax: 5 }
      : { pgliteDirs: Array(count).fill("memory://") }),
    // Few buckets so a handful of keys lands on both shards.
    bucketCount: 16,
    makeClient: (adapter) => new PrismaClient({ adapter }),
  });
  await migrateShards({ migrationsDir: USERS_MIGRATIONS_DIR, shards: shards.all });
  return {
    shards,
    async outbox() {
      const rows = await Promise.all(
        shards.all.map((shard) =>
          shard.sql.query<{ type: string; key: string; payload: never; seq: string }>(
            "SELECT type, key, payload, seq FROM outbox_events ORDER BY seq",
          ),
        ),
      );
      return rows.flat();
    },
    async close() {
      await shards.close();
      await Promise.all(databases.map((db) => db.drop()));
    },
  };
}
