import type { BroadcastListener, FeedBroadcast } from "../../application/ports/feed-broadcast.port.ts";

/** The embedded default: one process, so a broadcast is a loop over this process's listeners. */
export function createMemoryFeedBroadcast(): FeedBroadcast {
  const listeners = new Set<BroadcastListener>();
  return {
    async publish(post) {
      // Asynchronous like the network: a publisher never runs listener code on its own stack.
      setImmediate(() => {
        for (const listener of listeners) listener({ ...post });
      });
    },
    async subscribe(listener) {
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
