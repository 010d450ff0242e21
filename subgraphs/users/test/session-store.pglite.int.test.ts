import { runSessionStoreContract } from "./session-store.contract.ts";
import { openUsersTestShards } from "./support.ts";

runSessionStoreContract("PGlite shards (embedded default)", () => openUsersTestShards("pglite"));
