import { createCachedUserRepository } from "../src/adapters/cache/cached-user-repository.ts";
import { runUserRepositoryContract } from "./user-repository.contract.ts";
import { openUsersTestShards } from "./support.ts";

// The entity cache in front of the repository keeps every promise of the contract (reads after writes included).
runUserRepositoryContract(
  "PGlite shards behind the entity cache",
  () => openUsersTestShards("pglite"),
  (inner) => createCachedUserRepository({ inner, maxEntries: 1_000, ttlMs: 60_000 }),
);
