import { runCounterSnapshotsContract } from "./counter-snapshots.contract.ts";

runCounterSnapshotsContract("Postgres shards", "postgres");
