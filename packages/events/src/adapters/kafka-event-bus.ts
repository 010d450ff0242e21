import kafkajs, {
  type Consumer,
  type EachBatchHandler,
  type EachMessageHandler,
  type IHeaders,
  type KafkaMessage,
  type Message,
  type RetryOptions,
} from "kafkajs";
import type { Logger } from "pino";
import type { EventEnvelope } from "../envelope.ts";
import { InvalidEventError } from "../errors.ts";
import {
  DEFAULT_HANDLER_RETRY,
  type DeadLetter,
  type DeadLetterReason,
  type EventBatchHandler,
  type EventBus,
  type EventHandler,
  type HandlerRetryPolicy,
  type SubscribeOptions,
  type Subscription,
} from "../event-bus.port.ts";
import { parseEventWithDefinition } from "../parse-event.ts";
import { eventRegistry, type EventRegistry } from "../registry.ts";
import { errorMessage, retryThroughOutage, runWithRetry } from "../retry.ts";
import { runAndKeepRunning } from "./kafka-consumer-restart.ts";
import { deadLetterTopic } from "../topics.ts";
import { createKafkaClient, type KafkaClient } from "./kafka-client.ts";
import { ensureTopics, type EnsureTopicsOptions } from "./kafka-topics.ts";

const { Partitioners } = kafkajs;

/** Headers on every published event, so tools can route/filter without decoding the body. */
export const EVENT_HEADERS = {
  type: "event-type",
  version: "event-version",
  id: "event-id",
  contentType: "content-type",
} as const;

/** Headers added to a message parked on a dead-letter topic (the original headers are kept). */
export const DEAD_LETTER_HEADERS = {
  reason: "dlq-reason",
  error: "dlq-error",
  groupId: "dlq-group-id",
  sourceTopic: "dlq-source-topic",
  sourcePartition: "dlq-source-partition",
  sourceOffset: "dlq-source-offset",
  attempts: "dlq-attempts",
  at: "dlq-at",
} as const;

export interface KafkaConsumerTuning {
  /** Broker drops a member silent for this long (must lie within the broker's group.min/max.session.timeout.ms). */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /** Upper bound of a fetch long-poll; also how quickly an idle consumer notices a rebalance. */
  maxWaitTimeMs?: number;
  /** Partitions handled in parallel per consumer (order is kept within each partition). */
  partitionsConsumedConcurrently?: number;
  /** `subscribe` rejects when the group is not joined within this time. */
  joinTimeoutMs?: number;
}

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

const CONSUMER_DEFAULTS: Required<KafkaConsumerTuning> = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 15_000,
  maxWaitTimeMs: 500,
  partitionsConsumedConcurrently: 1,
  joinTimeoutMs: 60_000,
};

/** Thrown inside `eachMessage` when the subscription stops mid-retry: kafkajs then leaves the offset uncommitted. */
class ConsumerStoppingError extends Error {
  override readonly name = "ConsumerStoppingError";
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A header's value as text (kafkajs hands headers back as Buffers). */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
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

  async function sendToDeadLetter(
    message: KafkaMessage,
    source: { groupId: string; consumer: string; topic: string; partition: number },
    reason: DeadLetterReason,
    error: string,
    attempts: number,
    event?: EventEnvelope,
  ): Promise<void> {
    const deadLetteredAt = new Date().toISOString();
    await connectProducer();
    await producer.send({
      topic: deadLetterTopic(source.topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.error]: error.slice(0, 2_000),
            [DEAD_LETTER_HEADERS.groupId]: source.groupId,
            [DEAD_LETTER_HEADERS.sourceTopic]: source.topic,
            [DEAD_LETTER_HEADERS.sourcePartition]: String(source.partition),
            [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
            [DEAD_LETTER_HEADERS.attempts]: String(attempts),
            [DEAD_LETTER_HEADERS.at]: deadLetteredAt,
          },
        },
      ],
    });
    const deadLetter: DeadLetter = {
      ...source,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      reason,
      error,
      attempts,
      deadLetteredAt,
      ...(event ? { event } : { rawValue: message.value?.toString() ?? "" }),
    };
    logger.warn(
      { groupId: source.groupId, topic: source.topic, partition: source.partition, offset: message.offset, reason, error },
      "message dead-lettered",
    );
    for (const listener of [options.onDeadLetter, ...deadLetterListeners]) {
      try {
        listener?.(deadLetter);
      } catch (callbackError) {
        logger.error({ err: callbackError }, "onDeadLetter callback failed");
      }
    }
  }

  async function subscribe(subscribeOptions: SubscribeOptions): Promise<Subscription> {
    if (closed) throw new Error("Event bus is closed");
    const consumerName = subscribeOptions.groupId;
    const groupId = `${options.groupIdPrefix ?? ""}${consumerName}`;
    const stopping = new AbortController();
    const consumer: Consumer = kafka.consumer({
      groupId,
      sessionTimeout: tuning.sessionTimeoutMs,
      heartbeatInterval: tuning.heartbeatIntervalMs,
      rebalanceTimeout: tuning.rebalanceTimeoutMs,
      // A batch subscription may let the broker hold a fetch until 64 KiB are waiting or batchWaitMs passed.
      ...(subscribeOptions.batchWaitMs
        ? { minBytes: 64 * 1024, maxWaitTimeInMs: subscribeOptions.batchWaitMs }
        : { maxWaitTimeInMs: tuning.maxWaitTimeMs }),
      // A consumer must outlive a broker outage: keep retrying every ≤ 2 s rather than exhaust a retry budget,
      // crash and depend on kafkajs's restart backoff to come back.
      retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: Number.MAX_SAFE_INTEGER },
    });

    // Crashes are restarted (by kafkajs, or by runAndKeepRunning when kafkajs gives up, e.g. while a new broker's
    // group coordinator is still loading), so only the join timeout below fails a subscription.
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error, groupId, restart: payload.restart }, "kafka consumer crashed");
    });
    if (options.onConsumerLag) {
      const onLag = options.onConsumerLag;
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
        onLag({ groupId, topic: payload.topic, partition: payload.partition, lag: Number(payload.offsetLag) }),
      );
    }

    const subscription: Subscription = {
      stop: (() => {
        let stopped: Promise<void> | undefined;
        return () => {
          stopped ??= (async () => {
            stopping.abort();
            subscriptions.delete(subscription);
            await consumer.disconnect();
          })();
          return stopped;
        };
      })(),
    };

    /** The message's event, or undefined once a message that is not one was dead-lettered. */
    async function parseOrDeadLetter(message: KafkaMessage, topic: string, partition: number) {
      try {
        return parseEventWithDefinition(message.value ?? "", registry).event;
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        const reason: DeadLetterReason =
          error.reason === "invalid-json" || error.reason === "invalid-envelope" ? "unparseable" : "invalid-event";
        await sendToDeadLetter(message, { groupId, consumer: consumerName, topic, partition }, reason, error.message, 0);
        return undefined;
      }
    }

    /** Runs one delivery with the retry policy; `ok: false` when it failed for good (the caller dead-letters). */
    async function deliver(
      run: (attempt: number) => Promise<void> | void,
      heartbeat: () => Promise<void>,
      context: Record<string, unknown>,
    ): Promise<{ ok: true } | { ok: false; error: unknown; attempts: number }> {
      const outcome = await runWithRetry(async (attempt) => run(attempt), retryPolicy, {
        signal: stopping.signal,
        beforeRetry: async (attempt, error) => {
          logger.warn({ err: error, groupId, attempt, ...context }, "event handler failed, retrying");
          await heartbeat().catch(() => undefined);
        },
      });
      if (outcome.ok) return { ok: true };
      if (outcome.aborted) throw new ConsumerStoppingError(`Consumer ${groupId} stopping`);
      const dependenciesUp = subscribeOptions.dependenciesUp;
      if (dependenciesUp) {
        let lastError = outcome.error;
        const verdict = await retryThroughOutage(
          async () => {
            try {
              await run(outcome.attempts + 1);
            } catch (error) {
              lastError = error;
              throw error;
            }
          },
          dependenciesUp,
          {
            signal: stopping.signal,
            initialBackoffMs: retryPolicy.initialBackoffMs,
            maxBackoffMs: retryPolicy.maxBackoffMs,
            onOutage: async (round, error) => {
              logger.warn(
                { err: error, groupId, round, ...context },
                "handler's dependencies are down; retrying, not dead-lettering",
              );
              await heartbeat().catch(() => undefined);
            },
          },
        );
        if (verdict === "ok") return { ok: true };
        if (verdict === "aborted") throw new ConsumerStoppingError(`Consumer ${groupId} stopping`);
        return { ok: false, error: lastError, attempts: outcome.attempts };
      }
      return { ok: false, error: outcome.error, attempts: outcome.attempts };
    }

    const eachMessageWith =
      (handler: EventHandler): EachMessageHandler =>
      async ({ topic, partition, message, heartbeat }) => {
        const event = await parseOrDeadLetter(message, topic, partition);
        if (!event) return;
        const { offset } = message;
        const outcome = await deliver((attempt) => handler(event, { topic, partition, offset, attempt }), heartbeat, {
          topic,
          partition,
          offset,
          eventId: event.id,
        });
        if (outcome.ok) return;
        const source = { groupId, consumer: consumerName, topic, partition };
        await sendToDeadLetter(message, source, "handler-failed", errorMessage(outcome.error), outcome.attempts, event);
      };

    const eachBatchWith =
      (handler: EventBatchHandler): EachBatchHandler =>
      async ({ batch, resolveOffset, heartbeat }) => {
        const { topic, partition } = batch;
        const parsed: Array<{ event: EventEnvelope; message: KafkaMessage }> = [];
        for (const message of batch.messages) {
          const event = await parseOrDeadLetter(message, topic, partition);
          if (event) parsed.push({ event, message });
        }
        if (parsed.length > 0) {
          const [firstOffset, lastOffset] = [parsed[0]!.message.offset, parsed.at(-1)!.message.offset];
          const events = parsed.map((item) => item.event);
          const outcome = await deliver(
            (attempt) => handler(events, { topic, partition, firstOffset, lastOffset, attempt }),
            heartbeat,
            { topic, partition, firstOffset, lastOffset, events: events.length },
          );
          if (!outcome.ok) {
            // One bad event must not take the rest of its batch along: each is tried once on its own, and only
            // those that still fail are parked (they have had the batch's attempts already).
            const source = { groupId, consumer: consumerName, topic, partition };
            for (const { event, message } of parsed) {
              if (stopping.signal.aborted) throw new ConsumerStoppingError(`Consumer ${groupId} stopping`);
              const { offset } = message;
              try {
                await handler([event], {
                  topic,
                  partition,
                  firstOffset: offset,
                  lastOffset: offset,
                  attempt: outcome.attempts + 1,
                });
              } catch (error) {
                await sendToDeadLetter(message, source, "handler-failed", errorMessage(error), outcome.attempts + 1, event);
              }
            }
          }
        }
        resolveOffset(batch.lastOffset());
        await heartbeat();
      };

    try {
      if (options.createTopicsOnSubscribe ?? true) {
        await ensureTopics(kafka, { topics: subscribeOptions.topics, numPartitions: options.topicPartitions ?? 6, logger });
      }
      await consumer.connect();
      await consumer.subscribe({ topics: [...subscribeOptions.topics], fromBeginning: subscribeOptions.fromBeginning ?? false });
      await runAndKeepRunning(
        consumer,
        {
          autoCommit: true,
          partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
          ...(subscribeOptions.handler
            ? { eachMessage: eachMessageWith(subscribeOptions.handler) }
            : { eachBatch: eachBatchWith(subscribeOptions.batchHandler) }),
        },
        { groupId, logger, isStopping: () => stopping.signal.aborted },
      );
      await withTimeout(joined, tuning.joinTimeoutMs, `Consumer group ${groupId} not joined within ${tuning.joinTimeoutMs} ms`);
    } catch (error) {
      await subscription.stop().catch(() => undefined);
      throw error;
    }
    subscriptions.add(subscription);
    logger.debug({ groupId, topics: subscribeOptions.topics }, "kafka consumer joined");
    return subscription;
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
