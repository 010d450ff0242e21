import { createMemoryTimelineStore } from "../src/adapters/memory/memory-timeline-store.ts";
import { CONTRACT_TIMELINE_MAX, runTimelineStoreContract } from "./timeline-store.contract.ts";

runTimelineStoreContract("memory (embedded default)", async () => ({
  store: createMemoryTimelineStore({ maxLength: CONTRACT_TIMELINE_MAX }),
  close: async () => undefined,
}));
