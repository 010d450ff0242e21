import { createMemoryBroadcast } from "@plaza/runtime";
import type { ChatBroadcast, MessageBroadcast } from "../../application/ports/message-broadcast.port.ts";

/** The embedded default: one process, so a broadcast is a loop over this process's listeners. */
export function createMemoryMessageBroadcast(): MessageBroadcast {
  return createMemoryBroadcast<ChatBroadcast>();
}
