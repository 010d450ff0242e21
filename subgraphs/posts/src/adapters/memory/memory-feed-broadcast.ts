import { createMemoryBroadcast } from "@plaza/runtime";
import type { BroadcastPost, FeedBroadcast } from "../../application/ports/feed-broadcast.port.ts";

/** The embedded default: one process, so a broadcast is a loop over this process's listeners. */
export function createMemoryFeedBroadcast(): FeedBroadcast {
  return createMemoryBroadcast<BroadcastPost>();
}
