import kafkajs, { type Admin, type Consumer, type IHeaders, type Message, type Producer } from "kafkajs";
import type { Logger } from "pino";
import {
  createKafkaClient,
  DEAD_LETTER_HEADERS,
  deadLetterTopic,
  ensureTopics,
  EVENT_HEADERS,
  eventRegistry,
  InvalidEventError,
  parseEventWithDefinition,
  runAndKeepRunning,
  Topics,
  type DeadLetterReason,
  type EventEnvelope,
  type KafkaClient,
} from "@plaza/events";
import type {
  ConsumeOptions,
  CounterLog,
  LogConsumer,
  LoggedEvent,
  ParkedEvent,
} from "../../application/ports/counter-log.port.ts";
import type { LogPosition } from "../../application/ports/counter-store.port.ts";
import { partitionOfKey } from "../memory/memory-counter-log.ts";

const { Partitioners } = kafkajs;

export interface KafkaCounterLogOptions {
  brokers: readonly string[];
  logger: Logger;
  clientId?: string;
  topic?: string;
  /** KAFKA_GROUP_PREFIX, prepended to consumer group ids. */
  groupIdPrefix?: string;
  /** How long the first append of an idle producer waits for company before it is sent (COUNTERS_LOG_LINGER_MS). */
  lingerMs?: number;
  /** Most events per produce request (COUNTERS_LOG_MAX_BATCH). */
  maxBatch?: number;
  /** Partitions of the topic when this log creates it. */
  topicPartitions?: number;
  /** Consumer lag per partition after each batch. */
  onLag?: (partition: number, lag: number) => void;
  /** Size of each produce request. */
  onFlush?: (events: number, durationMs: number) => void;
}

/** The headers an event is appended with (also kept on its dead letter). */
function eventHeaders(event: EventEnvelope): IHeaders {
  return {
    [EVENT_HEADERS.type]: event.type,
    [EVENT_HEADERS.version]: String(event.version),
    [EVENT_HEADERS.id]: event.id,
    [EVENT_HEADERS.contentType]: "application/json",
  };
}

/** The event bus's dead-letter headers, so one tool reads every `<topic>.dlq`. */
function deadLetterHeaders(p: {
  reason: DeadLetterReason;
  error: string;
  groupId: string;
  topic: string;
  partition: number;
  offset: number | string;
  attempts: number;
}): IHeaders {
  return {
    [DEAD_LETTER_HEADERS.reason]: p.reason,
    [DEAD_LETTER_HEADERS.error]: p.error.slice(0, 2_000),
    [DEAD_LETTER_HEADERS.groupId]: p.groupId,
    [DEAD_LETTER_HEADERS.sourceTopic]: p.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(p.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: String(p.offset),
    [DEAD_LETTER_HEADERS.attempts]: String(p.attempts),
    [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
  };
}

/** Messages parsed per turn of the event loop by a consumer. */
const PARSE_SLICE = 200;

interface Pending {
  message: Message;
  partition: number;
  resolve: (position: LogPosition) => void;
  reject: (error: unknown) => void;
}

/**
 * The counter log on Kafka (topic plaza.counters.v1). Appends are batched: the first event of an idle producer
 * waits `lingerMs` for others, and whatever arrives while a produce request is in flight goes out in the next one,
 * so throughput grows with load while every caller still waits for its own event's acknowledgement (acks=all,
 * idempotent producer). Partitions are chosen here (murmur3 of the counter key), so an append knows each event's
 * offset from the broker's reply.
 * Consumers read whole batches and start each assigned partition where the durable copy says it stopped.
 */
export function createKafkaCounterLog(options: KafkaCounterLogOptions): CounterLog {
  const logger = options.logger.child({ component: "kafka-counter-log" });
  const topic = options.topic ?? Topics.counters;
  const lingerMs = options.lingerMs ?? 2;
  const maxBatch = options.maxBatch ?? 500;
  const client: KafkaClient = createKafkaClient({ brokers: options.brokers, logger: options.logger, clientId: options.clientId });
  // Like the event bus: the producer gets its own client with a bounded retry budget, so with the broker down an
  // append fails within seconds (the mutation reports an error) instead of hanging.
  const producerRetry = { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 };
  const producerClient: KafkaClient = createKafkaClient({
    brokers: options.brokers,
    logger: options.logger,
    clientId: options.clientId,
    requestTimeoutMs: 10_000,
    retry: producerRetry,
  });
  const producer: Producer = producerClient.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: producerRetry,
  });
  let admin: Admin | undefined;
  let producerReady: Promise<void> | undefined;
  producer.on(producer.events.DISCONNECT, () => {
    producerReady = undefined;
  });
  let setup: Promise<number> | undefined;
  const consumers = new Set<LogConsumer>();
  let closed = false;

  let queue: Pending[] = [];
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function adminClient(): Promise<Admin> {
    if (!admin) {
      const created = client.admin();
      await created.connect();
      admin = created;
    }
    return admin;
  }

  /** Creates the topic when missing and learns its partition count (never changed: it would move keys). */
  function partitionCount(): Promise<number> {
    setup ??= (async () => {
      await ensureTopics(client, { topics: [topic], numPartitions: options.topicPartitions ?? 6, logger });
      const metadata = await (await adminClient()).fetchTopicMetadata({ topics: [topic] });
      const count = metadata.topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new Error(`topic ${topic} has no partitions`);
      return count;
    })().catch((error: unknown) => {
      setup = undefined;
      throw error;
    });
    return setup;
  }

  function connectProducer(): Promise<void> {
    producerReady ??= producer.connect().catch((error: unknown) => {
      producerReady = undefined;
      throw error;
    });
    return producerReady;
  }

  async function send(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      await connectProducer();
      const replies = await producer.send({
        topic,
        acks: -1,
        messages: batch.map((p) => ({ ...p.message, partition: p.partition })),
      });
      // Messages of one partition are written in the order given, from that partition's base offset on.
      const next = new Map<number, number>();
      for (const reply of replies) next.set(reply.partition, Number(reply.baseOffset ?? reply.offset));
      for (const pending of batch) {
        const offset = next.get(pending.partition);
        if (offset === undefined || Number.isNaN(offset)) {
          pending.reject(new Error(`no offset in the broker's reply for partition ${pending.partition}`));
          continue;
        }
        next.set(pending.partition, offset + 1);
        pending.resolve({ partition: pending.partition, offset });
      }
      options.onFlush?.(batch.length, performance.now() - started);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  function flush(): void {
    timer = undefined;
    if (inFlight || queue.length === 0) return;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    inFlight = send(batch).finally(() => {
      inFlight = undefined;
      // What queued up meanwhile has waited long enough: send it now.
      if (queue.length > 0) flush();
    });
  }

  function schedule(): void {
    if (inFlight) return;
    if (queue.length >= maxBatch) {
      clearTimeout(timer);
      flush();
    } else {
      timer ??= setTimeout(flush, lingerMs);
    }
  }

  /** Writes one message to the dead-letter topic, acknowledged by every in-sync replica. */
  async function sendDeadLetter(message: Message): Promise<void> {
    await connectProducer();
    await producer.send({ topic: deadLetterTopic(topic), acks: -1, messages: [message] });
  }

  async function deadLetter(parked: ParkedEvent): Promise<void> {
    await sendDeadLetter({
      key: parked.event.aggregateId,
      value: JSON.stringify(parked.event),
      headers: {
        ...eventHeaders(parked.event),
        ...deadLetterHeaders({
          ...parked,
          groupId: `${options.groupIdPrefix ?? ""}${parked.groupId}`,
          topic,
        }),
      },
    });
  }

  async function endOffsets(): Promise<Map<number, number>> {
    const offsets = await (await adminClient()).fetchTopicOffsets(topic);
    return new Map(offsets.map((entry) => [entry.partition, Number(entry.high)]));
  }

  async function committedOffsets(groupId: string): Promise<Map<number, number>> {
    const [entry] = await (await adminClient()).fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]));
  }

  async function consume(consumeOptions: ConsumeOptions): Promise<LogConsumer> {
    if (closed) throw new Error("counter log is closed");
    await partitionCount();
    const groupId = `${options.groupIdPrefix ?? ""}${consumeOptions.groupId}`;
    const consumer: Consumer = client.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 15_000,
      // The broker answers a fetch once this much is waiting, or after maxWaitTimeInMs: under load the
      // write-behind persists about one large batch a second instead of one small batch per produce request
      // (each batch is a few statements per shard and partition). Only the Postgres copy lags by that much;
      // a rebuild replays the log past it.
      minBytes: 1024 * 1024,
      maxWaitTimeInMs: 1_000,
    });
    // Batches wait until the positions of a new assignment are settled (see the GROUP_JOIN handler).
    let assignmentReady: Promise<void> = Promise.resolve();
    let stopping = false;

    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const partitions = payload.memberAssignment[topic] ?? [];
        assignmentReady = (async () => {
          const [ends, committed] = await Promise.all([endOffsets(), committedOffsets(groupId)]);
          for (const partition of partitions) {
            const start = await consumeOptions.startOffset(partition, {
              logEnd: ends.get(partition) ?? 0,
              committed: committed.get(partition) ?? null,
            });
            consumer.seek({ topic, partition, offset: String(start) });
          }
        })();
        assignmentReady.then(resolve, (error: unknown) => {
          logger.error({ err: error, groupId }, "could not position the counter log consumer");
          reject(error);
        });
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        logger.error({ err: payload.error, groupId, restart: payload.restart }, "counter log consumer crashed");
        if (!payload.restart) reject(payload.error);
      });
    });
    joined.catch(() => undefined);
    if (options.onLag) {
      const onLag = options.onLag;
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => onLag(payload.partition, Number(payload.offsetLag)));
    }

    const subscription: LogConsumer = {
      stop: (() => {
        let stopped: Promise<void> | undefined;
        return () => {
          stopped ??= (async () => {
            stopping = true;
            consumers.delete(subscription);
            await consumer.disconnect();
          })();
          return stopped;
        };
      })(),
    };

    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await runAndKeepRunning(
        consumer,
        {
          autoCommit: true,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 2,
          eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isStale }) => {
            await assignmentReady;
            // A seek made for this assignment moved the partition elsewhere: these messages are not ours to handle.
            if (isStale() || stopping || batch.messages.length === 0) return;
            const records: LoggedEvent[] = [];
            for (const [index, message] of batch.messages.entries()) {
              // A second's worth of events is parsed in slices, so requests waiting on this event loop are not
              // held up for the whole batch.
              if (index > 0 && index % PARSE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
              try {
                records.push({ event: parseEventWithDefinition(message.value ?? "").event, offset: Number(message.offset) });
              } catch (error) {
                if (!(error instanceof InvalidEventError)) throw error;
                // Not ours to count (another producer wrote garbage): parked, and the offset still advances.
                const reason: DeadLetterReason =
                  error.reason === "invalid-json" || error.reason === "invalid-envelope" ? "unparseable" : "invalid-event";
                await sendDeadLetter({
                  key: message.key,
                  value: message.value,
                  headers: {
                    ...message.headers,
                    ...deadLetterHeaders({
                      reason,
                      error: error.message,
                      groupId,
                      topic,
                      partition: batch.partition,
                      offset: message.offset,
                      attempts: 0,
                    }),
                  },
                });
                logger.warn(
                  { partition: batch.partition, offset: message.offset, reason: error.reason },
                  "parked an invalid counter log message on the dead-letter topic",
                );
                consumeOptions.onUndecodable?.(reason);
              }
            }
            const lastOffset = Number(batch.messages[batch.messages.length - 1]!.offset);
            await consumeOptions.handleBatch({ partition: batch.partition, records, lastOffset });
            resolveOffset(String(lastOffset));
            await commitOffsetsIfNecessary();
            await heartbeat();
          },
        },
        { groupId, logger, isStopping: () => stopping },
      );
      await joined;
    } catch (error) {
      await subscription.stop().catch(() => undefined);
      throw error;
    }
    consumers.add(subscription);
    return subscription;
  }

  return {
    id: `kafka:${topic}`,

    async append(events: readonly EventEnvelope[]) {
      if (closed) throw new Error("counter log is closed");
      if (events.length === 0) return [];
      const partitions = await partitionCount();
      // Events come from createEvent, which validated their payloads; only check they are registered counters events.
      const messages = events.map((event) => {
        const definition = eventRegistry.get(event.type, event.version);
        if (definition?.topic !== Topics.counters) throw new Error(`${event.type} v${event.version} is not a counter log event`);
        return {
          partition: partitionOfKey(event.aggregateId, partitions),
          message: {
            key: event.aggregateId,
            value: JSON.stringify(event),
            headers: eventHeaders(event),
          },
        };
      });
      const positions = messages.map((m) => new Promise<LogPosition>((resolve, reject) => queue.push({ ...m, resolve, reject })));
      schedule();
      return Promise.all(positions);
    },

    endOffsets,
    consume,
    deadLetter,

    async close() {
      closed = true;
      clearTimeout(timer);
      flush();
      while (inFlight) await inFlight;
      await Promise.allSettled([...consumers].map((c) => c.stop()));
      await producer.disconnect().catch((error: unknown) => logger.warn({ err: error }, "producer disconnect failed"));
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
