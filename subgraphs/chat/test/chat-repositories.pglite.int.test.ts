import { runChatRepositoriesContract } from "./chat-repositories.contract.ts";
import { openChatTestShards } from "./support.ts";

runChatRepositoriesContract("PGlite shards (embedded default)", () => openChatTestShards("pglite"));
