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

export interface SubscribeOptions {
  /** Consumers with the same group id share the work; every group receives every event. */
  groupId: string;
  topics: readonly string[];
  handler: EventHandler;
  /** For a group without a committed position: start at the oldest retained event instead of the newest. */
  fromBeginning?: boolean;
}

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

/** A message a consumer group gave up on; it is parked so the group can move on. */
export interface DeadLetter {
  groupId: string;
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
}

/** Retry policy for a failing handler before the message is dead-lettered. */
export interface HandlerRetryPolicy {
  /** Total attempts including the first (>= 1). */
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_HANDLER_RETRY: HandlerRetryPolicy = { attempts: 5, initialBackoffMs: 100, maxBackoffMs: 5_000 };
