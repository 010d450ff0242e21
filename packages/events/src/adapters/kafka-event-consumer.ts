import type { Consumer, EachBatchHandler, EachMessageHandler, KafkaMessage } from "kafkajs";
import type { Logger } from "pino";
import type { EventEnvelope } from "../envelope.ts";
import { InvalidEventError } from "../errors.ts";
import type {
  DeadLetterReason,
  EventBatchHandler,
  EventHandler,
  HandlerRetryPolicy,
  SubscribeOptions,
  Subscription,
} from "../event-bus.port.ts";
import { parseEventWithDefinition } from "../parse-event.ts";
import type { EventRegistry } from "../registry.ts";
import { errorMessage, retryThroughOutage, runWithRetry } from "../retry.ts";
import type { KafkaClient } from "./kafka-client.ts";
import { runAndKeepRunning } from "./kafka-consumer-restart.ts";
import type { SendToDeadLetter } from "./kafka-dead-letter.ts";
import { ensureTopics } from "./kafka-topics.ts";

// The consumer side of the Kafka event bus: one kafkajs consumer per subscription, retries, dead letters.

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

export const CONSUMER_DEFAULTS: Required<KafkaConsumerTuning> = {
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

/** The bus's options the consumer side reads. */
export interface KafkaSubscribeOptions {
  createTopicsOnSubscribe?: boolean;
  topicPartitions?: number;
  onConsumerLag?: (lag: { groupId: string; topic: string; partition: number; lag: number }) => void;
  groupIdPrefix?: string;
}

/** What a subscription shares with its bus. */
export interface KafkaSubscribeDeps {
  kafka: KafkaClient;
  logger: Logger;
  registry: EventRegistry;
  retryPolicy: HandlerRetryPolicy;
  tuning: Required<KafkaConsumerTuning>;
  options: KafkaSubscribeOptions;
  sendToDeadLetter: SendToDeadLetter;
  /** The bus's live subscriptions: joined ones are added, stopped ones removed (the bus stops them on close). */
  subscriptions: Set<Subscription>;
}

export async function subscribeKafkaConsumer(
  deps: KafkaSubscribeDeps,
  subscribeOptions: SubscribeOptions,
): Promise<Subscription> {
  const { kafka, logger, registry, retryPolicy, tuning, options, sendToDeadLetter, subscriptions } = deps;
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
