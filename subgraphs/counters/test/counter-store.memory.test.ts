import { createMemoryCounterChanges, createMemoryCounterStore } from "../src/adapters/memory/memory-counter-store.ts";
import { runCounterStoreContract } from "./counter-store.contract.ts";

runCounterStoreContract("in-memory store (embedded default)", async () => {
  const changes = createMemoryCounterChanges();
  const store = createMemoryCounterStore({ changes });
  return { store, changes, loseData: async () => store.flush(), close: async () => changes.close() };
});
