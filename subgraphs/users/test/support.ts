import { openTestShards, type TestShards } from "@plaza/testkit";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { USERS_MIGRATIONS_DIR } from "../src/service.ts";

export type UsersTestShards = TestShards<PrismaClient>;

/** Migrated users shards: real Postgres databases, or in-memory PGlite (the embedded default). */
export const openUsersTestShards = (kind: "postgres" | "pglite", count = 2): Promise<UsersTestShards> =>
  openTestShards({
    kind,
    count,
    prefix: "users",
    migrationsDir: USERS_MIGRATIONS_DIR,
    makeClient: (adapter) => new PrismaClient({ adapter }),
  });
