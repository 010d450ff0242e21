import { createMemoryCounterLog } from "../src/adapters/memory/memory-counter-log.ts";
import { runCounterLogContract } from "./counter-log.contract.ts";

runCounterLogContract("in-memory log (embedded default)", async () => createMemoryCounterLog({ partitions: 4 }));
