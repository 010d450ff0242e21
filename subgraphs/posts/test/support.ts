import { openTestShards, type TestShards } from "@plaza/testkit";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { POSTS_MIGRATIONS_DIR } from "../src/service.ts";

export type PostsTestShards = TestShards<PrismaClient>;

/** Migrated posts shards: real Postgres databases, or in-memory PGlite (the embedded default). */
export const openPostsTestShards = (kind: "postgres" | "pglite", count = 2): Promise<PostsTestShards> =>
  openTestShards({
    kind,
    count,
    prefix: "posts",
    migrationsDir: POSTS_MIGRATIONS_DIR,
    makeClient: (adapter) => new PrismaClient({ adapter }),
  });
