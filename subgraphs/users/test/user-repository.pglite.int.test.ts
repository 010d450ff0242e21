import { runUserRepositoryContract } from "./user-repository.contract.ts";
import { openUsersTestShards } from "./support.ts";

runUserRepositoryContract("PGlite shards (embedded default)", () => openUsersTestShards("pglite"));
