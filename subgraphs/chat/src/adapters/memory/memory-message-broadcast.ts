import type { BroadcastListener, MessageBroadcast } from "../../application/ports/message-broadcast.port.ts";

/** The embedded default: one process, so a broadcast is a loop over this process's listeners. */
export function createMemoryMessageBroadcast(): MessageBroadcast {
  const listeners = new Set<BroadcastListener>();
  return {
    async publish(message) {
      // Asynchronous like the network: a publisher never runs listener code on its own stack.
      setImmediate(() => {
        for (const listener of listeners) listener({ ...message });
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
