import { runRepositoriesContract } from "./repositories.contract.ts";
import { openPostsTestShards } from "./support.ts";

runRepositoriesContract("Postgres shards", () => openPostsTestShards("postgres"));
