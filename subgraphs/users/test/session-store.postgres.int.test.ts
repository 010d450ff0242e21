import { runSessionStoreContract } from "./session-store.contract.ts";
import { openUsersTestShards } from "./support.ts";

runSessionStoreContract("Postgres shards", () => openUsersTestShards("postgres"));
