import type { EventBus, EventEnvelope, Subscription } from "@plaza/events";
import type { Logger } from "@plaza/kit";

/**
 * How long the broker may hold invalidation events back to batch them: under a stream of hot-key events (every
 * view of a post raises one) a few large batches a second cost far less than one tiny batch per event, and
 * cross-router staleness grows by at most this much.
 */
const INVALIDATION_BATCH_WAIT_MS = 100;

export interface InvalidationConsumerOptions {
  bus: EventBus;
  /**
   * One group per router instance (every instance must see every event), stable across restarts so a restarted
   * instance resumes from its committed offset and evicts what it missed.
   */
  groupId: string;
  topics: readonly string[];
  /** Evicts what a batch of consecutive events of one partition changed (one eviction round trip per batch). */
  handleBatch(events: EventEnvelope[]): Promise<void>;
  logger: Logger;
  /** Names the consumer in its logs (default "response cache"). */
  purpose?: string;
  /** Backoff between attempts to join while the broker is unreachable. */
  retryDelayMs?: { initial: number; max: number };
}

export interface InvalidationConsumer {
  /** Resolves once the consumer has joined its group (it keeps trying in the background until then). */
  readonly joined: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Consumes domain events for cache invalidation without ever holding up the router: if the broker is down at
 * start, the router serves (staleness bounded by TTLs) while this keeps trying to join.
 */
export function startInvalidationConsumer(options: InvalidationConsumerOptions): InvalidationConsumer {
  const { initial, max } = options.retryDelayMs ?? { initial: 500, max: 30_000 };
  let subscription: Subscription | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  let markJoined!: () => void;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));

  void (async () => {
    let delay = initial;
    while (!stopped) {
      try {
        const joinedSubscription = await options.bus.subscribe({
          groupId: options.groupId,
          topics: options.topics,
          batchHandler: (events) => options.handleBatch(events),
          batchWaitMs: INVALIDATION_BATCH_WAIT_MS,
        });
        if (stopped) {
          await joinedSubscription.stop();
          return;
        }
        subscription = joinedSubscription;
        options.logger.info(
          { groupId: options.groupId, topics: options.topics },
          `${options.purpose ?? "response cache"}: consuming events`,
        );
        markJoined();
        return;
      } catch (err) {
        if (stopped) return;
        options.logger.warn(
          { err, groupId: options.groupId, retryInMs: delay },
          `${options.purpose ?? "response cache"}: cannot consume events yet`,
        );
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, delay).unref();
        });
        delay = Math.min(delay * 2, max);
      }
    }
  })();

  return {
    joined,
    async stop() {
      stopped = true;
      wake?.();
      // A join still in progress is not awaited (it may take the broker's join timeout): it stops itself on success.
      await subscription?.stop();
    },
  };
}
