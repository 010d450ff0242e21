import { runChatRepositoriesContract } from "./chat-repositories.contract.ts";
import { openChatTestShards } from "./support.ts";

runChatRepositoriesContract("Postgres shards", () => openChatTestShards("postgres"));
