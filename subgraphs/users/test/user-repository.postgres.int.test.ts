import { runUserRepositoryContract } from "./user-repository.contract.ts";
import { openUsersTestShards } from "./support.ts";

runUserRepositoryContract("Postgres shards", () => openUsersTestShards("postgres"));
