import { createMemoryMessageBroadcast } from "../src/adapters/memory/memory-message-broadcast.ts";
import { runMessageBroadcastContract } from "./message-broadcast.contract.ts";

runMessageBroadcastContract("memory (embedded default)", async () => {
  const broadcast = createMemoryMessageBroadcast();
  return { publisher: broadcast, other: broadcast, close: () => broadcast.close() };
});
