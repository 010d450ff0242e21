import kafkajs, { type Message, type RetryOptions } from "kafkajs";
import type { Logger } from "pino";
import type { EventEnvelope } from "../envelope.ts";
import {
  DEFAULT_HANDLER_RETRY,
  type DeadLetter,
  type EventBus,
  type HandlerRetryPolicy,
  type SubscribeOptions,
  type Subscription,
} from "../event-bus.port.ts";
import { parseEventWithDefinition } from "../parse-event.ts";
import { eventRegistry, type EventRegistry } from "../registry.ts";
import { createKafkaClient, type KafkaClient } from "./kafka-client.ts";
import { createDeadLetterWriter } from "./kafka-dead-letter.ts";
import { CONSUMER_DEFAULTS, subscribeKafkaConsumer, type KafkaConsumerTuning } from "./kafka-event-consumer.ts";
import { EVENT_HEADERS } from "./kafka-headers.ts";
import { ensureTopics, type EnsureTopicsOptions } from "./kafka-topics.ts";

// The consumer side (subscriptions, retries, dead letters) lives in kafka-event-consumer.ts and kafka-dead-letter.ts;
// this module is the producer and the bus that ties them together. Re-exported for existing importers.
export { DEAD_LETTER_HEADERS, EVENT_HEADERS, headerText } from "./kafka-headers.ts";
export type { KafkaConsumerTuning } from "./kafka-event-consumer.ts";

const { Partitioners } = kafkajs;

export interface KafkaEventBusOptions {
  brokers: readonly string[];
  logger: Logger;
  clientId?: string;
  registry?: EventRegistry;
  /** Retries of a failing handler before its message goes to `<topic>.dlq`. */
  handlerRetry?: Partial<HandlerRetryPolicy>;
  /**
   * Producer retry budget. Bounded on purpose: with the broker down `publish` must reject
   * (the outbox relay retries later) instead of hanging for ever.
   */
  producerRetry?: RetryOptions;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  consumer?: KafkaConsumerTuning;
  /**
   * `subscribe` creates missing topics (and their dead-letter topics) first, so consumers may start
   * before any producer (default true). Production clusters may pre-create them with `ensureTopics` instead.
   */
  createTopicsOnSubscribe?: boolean;
  /** Partitions of topics this bus creates (default 6). */
  topicPartitions?: number;
  /** Called after a message was written to its dead-letter topic. */
  onDeadLetter?: (deadLetter: DeadLetter) => void;
  /** Consumer lag per partition after each batch (for a `plaza_*_kafka_consumer_lag` gauge). */
  onConsumerLag?: (lag: { groupId: string; topic: string; partition: number; lag: number }) => void;
  /**
   * Prepended to every consumer group id. Deployments sharing one cluster (or test stacks sharing one broker)
   * keep their groups apart with it; an empty prefix leaves group ids as given.
   */
  groupIdPrefix?: string;
}

export interface KafkaEventBus extends EventBus {
  /** Creates missing topics (and dead-letter topics) through this bus's client. */
  ensureTopics(options: EnsureTopicsOptions): Promise<string[]>;
}

export function createKafkaEventBus(options: KafkaEventBusOptions): KafkaEventBus {
  const logger = options.logger.child({ component: "kafka-event-bus" });
  const registry = options.registry ?? eventRegistry;
  const retryPolicy: HandlerRetryPolicy = { ...DEFAULT_HANDLER_RETRY, ...options.handlerRetry };
  const tuning: Required<KafkaConsumerTuning> = { ...CONSUMER_DEFAULTS, ...options.consumer };
  const kafka: KafkaClient = createKafkaClient({
    brokers: options.brokers,
    logger: options.logger,
    clientId: options.clientId,
    connectionTimeoutMs: options.connectionTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  // The producer gets its own client: kafkajs nests the client's retries (broker connects, metadata) inside the
  // producer's, so a shared, patient client would keep `publish` waiting for minutes while the broker is down.
  const producerRetry = options.producerRetry ?? { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 };
  const producerClient: KafkaClient = createKafkaClient({
    brokers: options.brokers,
    logger: options.logger,
    clientId: options.clientId,
    connectionTimeoutMs: options.connectionTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    retry: producerRetry,
  });

  // Idempotent: broker-side dedupe of producer retries; kafkajs requires acks=all and one request in flight.
  const producer = producerClient.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: producerRetry,
  });
  let producerConnection: Promise<void> | undefined;
  producer.on(producer.events.DISCONNECT, () => {
    producerConnection = undefined;
  });

  const subscriptions = new Set<Subscription>();
  const deadLetterListeners = new Set<(deadLetter: DeadLetter) => void>();
  let closed = false;

  function connectProducer(): Promise<void> {
    producerConnection ??= producer.connect().catch((error: unknown) => {
      producerConnection = undefined;
      throw error;
    });
    return producerConnection;
  }

  async function publish(events: readonly EventEnvelope[]): Promise<void> {
    if (closed) throw new Error("Event bus is closed");
    if (events.length === 0) return;
    // Validate the whole batch before sending any of it.
    const byTopic = new Map<string, Message[]>();
    for (const raw of events) {
      const { event, definition } = parseEventWithDefinition(raw, registry);
      const messages = byTopic.get(definition.topic) ?? [];
      messages.push({
        key: event.aggregateId,
        value: JSON.stringify(event),
        headers: {
          [EVENT_HEADERS.type]: event.type,
          [EVENT_HEADERS.version]: String(event.version),
          [EVENT_HEADERS.id]: event.id,
          [EVENT_HEADERS.contentType]: "application/json",
        },
      });
      byTopic.set(definition.topic, messages);
    }
    await connectProducer();
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  const sendToDeadLetter = createDeadLetterWriter({
    send: async (record) => {
      await connectProducer();
      return producer.send(record);
    },
    logger,
    listeners: () => [options.onDeadLetter, ...deadLetterListeners],
  });

  async function subscribe(subscribeOptions: SubscribeOptions): Promise<Subscription> {
    if (closed) throw new Error("Event bus is closed");
    const deps = { kafka, logger, registry, retryPolicy, tuning, options, sendToDeadLetter, subscriptions };
    return subscribeKafkaConsumer(deps, subscribeOptions);
  }

  return {
    publish,
    subscribe,
    async close() {
      closed = true;
      await Promise.allSettled([...subscriptions].map((subscription) => subscription.stop()));
      await producer.disconnect().catch((error: unknown) => logger.warn({ err: error }, "producer disconnect failed"));
    },
    ensureTopics: (ensureOptions) => ensureTopics(kafka, { logger, ...ensureOptions }),
    onDeadLetter(listener) {
      deadLetterListeners.add(listener);
      return () => deadLetterListeners.delete(listener);
    },
  };
}
