import type { EventEnvelope } from "./envelope.ts";

/** Where a delivered event came from. Offsets are strings (Kafka offsets exceed 2^53 in theory). */
export interface DeliveryMeta {
  topic: string;
  partition: number;
  offset: string;
  /** 1 on first delivery to this consumer, incremented on each in-process retry. */
  attempt: number;
}

export type EventHandler<E extends EventEnvelope = EventEnvelope> = (event: E, meta: DeliveryMeta) => Promise<void> | void;

/** Where a delivered batch came from: consecutive events of one partition. */
export interface BatchDeliveryMeta {
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  /** 1 on first delivery of this batch, incremented on each in-process retry. */
  attempt: number;
}

/**
 * Handles consecutive events of one partition at once, in order; resolving acknowledges them all, throwing retries
 * the whole batch (then dead-letters each of its events). For handlers whose work merges well, such as evicting
 * caches: one round trip per batch instead of one per event. Batches may be of any size, including one.
 */
export type EventBatchHandler<E extends EventEnvelope = EventEnvelope> = (
  events: E[],
  meta: BatchDeliveryMeta,
) => Promise<void> | void;

interface SubscribeCommon {
  /** Consumers with the same group id share the work; every group receives every event. */
  groupId: string;
  topics: readonly string[];
  /** For a group without a committed position: start at the oldest retained event instead of the newest. */
  fromBeginning?: boolean;
  /**
   * Resolves when what the handler depends on (its database, its cache) is reachable. Given, an event whose handler
   * failed every retry is dead-lettered only if this resolves: while it rejects (an outage, not a bad event) the
   * consumer keeps retrying the event with backoff and parks nothing.
   */
  dependenciesUp?: () => Promise<void>;
}

/** A subscription handles events one at a time (`handler`) or a batch at a time (`batchHandler`). */
export type SubscribeOptions = SubscribeCommon &
  (
    | { handler: EventHandler; batchHandler?: never; batchWaitMs?: never }
    | {
        batchHandler: EventBatchHandler;
        handler?: never;
        /**
         * How long the broker may hold a batch back to let it fill up (default 0: deliver what is there). Under load
         * this turns a stream of tiny batches into a few large ones, at the cost of up to this much delay.
         */
        batchWaitMs?: number;
      }
  );

export interface Subscription {
  /** Leaves the group after the in-flight event; events not yet handled go to the remaining members. */
  stop(): Promise<void>;
}

export type DeadLetterReason =
  /** The message body could not be decoded (not JSON, not an envelope). */
  | "unparseable"
  /** The body is an envelope of an unknown type/version, or its payload does not match the schema. */
  | "invalid-event"
  /** The handler kept failing after every retry. */
  | "handler-failed";

export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ["unparseable", "invalid-event", "handler-failed"];

/** A message a consumer group gave up on; it is parked so the group can move on. */
export interface DeadLetter {
  /** The consumer group on the broker (with the deployment's group prefix). */
  groupId: string;
  /** The group id as the subscriber named it (without the deployment's group prefix). */
  consumer: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: DeadLetterReason;
  /** Last error message. */
  error: string;
  /** Handler attempts made (0 when the message could not be parsed). */
  attempts: number;
  /** The parsed event, when it could be parsed. */
  event?: EventEnvelope;
  /** The raw message body, when it could not be parsed. */
  rawValue?: string;
  deadLetteredAt: string;
}

/**
 * Port for publishing and consuming domain events. Delivery is at-least-once: a consumer's position
 * advances only after its handler succeeded (or the message was dead-lettered), so handlers must be idempotent
 * (deduplicate on `event.id`). Events with the same aggregate id are delivered in publish order.
 */
export interface EventBus {
  /**
   * Validates and publishes events to their definitions' topics, keyed by aggregate id.
   * Resolves once the bus has durably accepted them; rejects (nothing is assumed published) otherwise.
   */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /** Resolves once the consumer is part of its group and receiving. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Stops every subscription and releases connections. */
  close(): Promise<void>;
  /**
   * Calls `listener` after each message any of this bus's subscriptions parked (for metrics: one bus may serve several
   * services in one process). Returns a function that removes the listener.
   */
  onDeadLetter?(listener: (deadLetter: DeadLetter) => void): () => void;
}

/** Retry policy for a failing handler before the message is dead-lettered. */
export interface HandlerRetryPolicy {
  /** Total attempts including the first (>= 1). */
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_HANDLER_RETRY: HandlerRetryPolicy = { attempts: 5, initialBackoffMs: 100, maxBackoffMs: 5_000 };
