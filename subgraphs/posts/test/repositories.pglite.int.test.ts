import { runRepositoriesContract } from "./repositories.contract.ts";
import { openPostsTestShards } from "./support.ts";

runRepositoriesContract("PGlite shards (embedded default)", () => openPostsTestShards("pglite"));
