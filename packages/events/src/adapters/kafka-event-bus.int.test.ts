import { randomUUID } from "node:crypto";
import { testInfra } from "@plaza/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEvent } from "../create-event.ts";
import { runEventBusContract } from "../event-bus.contract.ts";
import type { DeadLetter } from "../event-bus.port.ts";
import { defineEvent, EventRegistry } from "../registry.ts";
import { eventually } from "../testing/eventually.ts";
import { FAST_CONSUMER, kafkaTestLogger } from "../testing/kafka-test-tuning.ts";
import { deadLetterTopic } from "../topics.ts";
import { createKafkaClient } from "./kafka-client.ts";
import { createKafkaEventBus, DEAD_LETTER_HEADERS, EVENT_HEADERS, headerText } from "./kafka-event-bus.ts";
import { ensureTopics } from "./kafka-topics.ts";

const logger = kafkaTestLogger;

const FAST_RETRY = { attempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 };

const brokers = () => testInfra().kafkaBrokers;

runEventBusContract("kafka", {
  makeBus: ({ registry, onDeadLetter }) =>
    createKafkaEventBus({
      brokers: brokers(),
      logger,
      registry,
      onDeadLetter,
      handlerRetry: FAST_RETRY,
      consumer: FAST_CONSUMER,
    }),
  createTopics: async (topics, partitions) => {
    await ensureTopics(createKafkaClient({ brokers: brokers(), logger }), { topics, numPartitions: partitions });
  },
});

const payload = z.object({ n: z.int() });

function uniqueTopicWithEvent() {
  const topic = `kafka-bus.${randomUUID().slice(0, 8)}`;
  const registry = new EventRegistry();
  const Numbered = defineEvent("Numbered", 1, topic, payload, registry);
  return { topic, registry, Numbered };
}

/** Reads every message of a topic from the start through a plain kafkajs consumer. */
async function readTopic(topic: string, expected: number) {
  const kafka = createKafkaClient({ brokers: brokers(), logger });
  const consumer = kafka.consumer({
    groupId: `reader-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 6_000,
    heartbeatInterval: 200,
  });
  const messages: { key: string | undefined; value: string | undefined; headers: Record<string, string | undefined> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string | undefined> = {};
        for (const name of Object.keys(message.headers ?? {})) headers[name] = headerText(message.headers, name);
        messages.push({ key: message.key?.toString(), value: message.value?.toString(), headers });
      },
    });
    await eventually(() => messages.length >= expected, { timeoutMs: 30_000, description: `${expected} messages on ${topic}` });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

describe("kafka event bus", () => {
  it("creates topics and their dead-letter topics once", async () => {
    const kafka = createKafkaClient({ brokers: brokers(), logger });
    const topic = `ensure.${randomUUID().slice(0, 8)}`;
    expect(await ensureTopics(kafka, { topics: [topic], numPartitions: 5 })).toEqual([topic, deadLetterTopic(topic)]);
    expect(await ensureTopics(kafka, { topics: [topic], numPartitions: 5 })).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic, deadLetterTopic(topic)] });
      const partitions = Object.fromEntries(topics.map((metadata) => [metadata.name, metadata.partitions.length]));
      expect(partitions).toEqual({ [topic]: 5, [deadLetterTopic(topic)]: 1 });
    } finally {
      await admin.disconnect();
    }
  });

  it("publishes keyed by aggregate id with type/version/id headers", async () => {
    const { topic, registry, Numbered } = uniqueTopicWithEvent();
    const bus = createKafkaEventBus({ brokers: brokers(), logger, registry });
    try {
      const event = createEvent(Numbered, "agg-1", { n: 1 });
      await bus.publish([event]);
      const [message] = await readTopic(topic, 1);
      expect(message!.key).toBe("agg-1");
      expect(JSON.parse(message!.value!)).toEqual(event);
      expect(message!.headers).toMatchObject({
        [EVENT_HEADERS.type]: "Numbered",
        [EVENT_HEADERS.version]: "1",
        [EVENT_HEADERS.id]: event.id,
      });
    } finally {
      await bus.close();
    }
  });

  it("parks unparseable, schema-invalid and unhandleable messages on <topic>.dlq and keeps consuming", async () => {
    const { topic, registry, Numbered } = uniqueTopicWithEvent();
    const deadLetters: DeadLetter[] = [];
    const bus = createKafkaEventBus({
      brokers: brokers(),
      logger,
      registry,
      handlerRetry: FAST_RETRY,
      consumer: FAST_CONSUMER,
      onDeadLetter: (deadLetter) => deadLetters.push(deadLetter),
    });
    const handled: number[] = [];
    try {
      await bus.subscribe({
        groupId: `dlq-${randomUUID()}`,
        topics: [topic],
        fromBeginning: true,
        handler: (event) => {
          const n = (event.payload as { n: number }).n;
          if (n === 13) throw new Error("thirteen is unlucky");
          handled.push(n);
        },
      });
      const producer = createKafkaClient({ brokers: brokers(), logger }).producer();
      await producer.connect();
      const valid = createEvent(Numbered, "k", { n: 1 });
      await producer.send({
        topic,
        messages: [
          { key: "k", value: "{not json", headers: { origin: "test" } },
          { key: "k", value: JSON.stringify({ ...valid, id: randomUUID(), payload: { n: "one" } }) },
          { key: "k", value: JSON.stringify({ ...valid, id: randomUUID(), type: "Unheard" }) },
        ],
      });
      await producer.disconnect();
      const unlucky = createEvent(Numbered, "k", { n: 13 });
      await bus.publish([unlucky, createEvent(Numbered, "k", { n: 2 })]);

      await eventually(() => handled.includes(2) && deadLetters.length >= 4, {
        timeoutMs: 30_000,
        description: "consumer moved past the poison",
      });
      expect(handled).toEqual([2]);
      expect(deadLetters.map((deadLetter) => deadLetter.reason)).toEqual([
        "unparseable",
        "invalid-event",
        "invalid-event",
        "handler-failed",
      ]);

      const parked = await readTopic(deadLetterTopic(topic), 4);
      expect(parked.map((message) => message.headers[DEAD_LETTER_HEADERS.reason])).toEqual([
        "unparseable",
        "invalid-event",
        "invalid-event",
        "handler-failed",
      ]);
      expect(parked[0]).toMatchObject({
        key: "k",
        value: "{not json",
        headers: { origin: "test", [DEAD_LETTER_HEADERS.sourceTopic]: topic },
      });
      expect(parked[2]!.headers[DEAD_LETTER_HEADERS.error]).toMatch(/Unknown event Unheard v1/);
      expect(parked[3]).toMatchObject({
        key: "k",
        headers: {
          [EVENT_HEADERS.id]: unlucky.id,
          [DEAD_LETTER_HEADERS.error]: "thirteen is unlucky",
          [DEAD_LETTER_HEADERS.attempts]: "3",
        },
      });
      expect(JSON.parse(parked[3]!.value!)).toEqual(unlucky);
      for (const message of parked) {
        expect(message.headers[DEAD_LETTER_HEADERS.groupId]).toMatch(/^dlq-/);
        expect(message.headers[DEAD_LETTER_HEADERS.sourceOffset]).toMatch(/^\d+$/);
      }
    } finally {
      await bus.close();
    }
  });

  it("routes kafkajs logs into the injected pino logger", async () => {
    const lines: Record<string, unknown>[] = [];
    const capture = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const { topic, registry, Numbered } = uniqueTopicWithEvent();
    const bus = createKafkaEventBus({ brokers: brokers(), logger: capture, registry, consumer: FAST_CONSUMER });
    try {
      await bus.subscribe({ groupId: `logs-${randomUUID()}`, topics: [topic], handler: () => undefined });
      await bus.publish([createEvent(Numbered, "k", { n: 1 })]);
    } finally {
      await bus.close();
    }
    expect(lines.some((line) => line.component === "kafkajs" && typeof line.namespace === "string")).toBe(true);
  });
});
