import { openTestShards, type TestShards } from "@plaza/testkit";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { CHAT_MIGRATIONS_DIR } from "../src/service.ts";

export type ChatTestShards = TestShards<PrismaClient>;

/** Migrated chat shards: real Postgres databases, or in-memory PGlite (the embedded default). */
export const openChatTestShards = (kind: "postgres" | "pglite", count = 2): Promise<ChatTestShards> =>
  openTestShards({
    kind,
    count,
    prefix: "chat",
    migrationsDir: CHAT_MIGRATIONS_DIR,
    makeClient: (adapter) => new PrismaClient({ adapter }),
  });
