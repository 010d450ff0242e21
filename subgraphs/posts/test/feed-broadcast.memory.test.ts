import { createMemoryFeedBroadcast } from "../src/adapters/memory/memory-feed-broadcast.ts";
import { runFeedBroadcastContract } from "./feed-broadcast.contract.ts";

runFeedBroadcastContract("memory (embedded default)", async () => {
  const broadcast = createMemoryFeedBroadcast();
  return { publisher: broadcast, other: broadcast, close: () => broadcast.close() };
});
