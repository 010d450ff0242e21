import { runCounterSnapshotsContract } from "./counter-snapshots.contract.ts";

runCounterSnapshotsContract("PGlite shards (embedded default)", "pglite");
