import { createEventDispatcher, PostCreated, PostDeleted, type EventBus, type Subscription } from "@plaza/events";
import type { FanOut } from "../../application/fan-out.ts";

export const FAN_OUT_GROUP = "posts.fanout";

/**
 * The fan-out consumer group: PostCreated → followers' timelines (and the live broadcast), PostDeleted → removal.
 * Instances share the topic's partitions. A new group starts from the oldest retained event: with "latest", a
 * partition without a committed offset would skip whatever was published while no member was consuming it.
 */
export function startFanOutConsumer(deps: {
  bus: EventBus;
  fanOut: FanOut;
  /** Resolves when the stores the handler writes to are reachable: failures during an outage are retried, not dead-lettered. */
  dependenciesUp?: () => Promise<void>;
}): Promise<Subscription> {
  const dispatcher = createEventDispatcher()
    .on(PostCreated, async (event) => {
      await deps.fanOut.postCreated(event.payload);
    })
    .on(PostDeleted, (event) => deps.fanOut.postDeleted(event.payload));
  return deps.bus.subscribe({
    groupId: FAN_OUT_GROUP,
    topics: dispatcher.topics,
    handler: dispatcher.handle,
    fromBeginning: true,
    dependenciesUp: deps.dependenciesUp,
  });
}
