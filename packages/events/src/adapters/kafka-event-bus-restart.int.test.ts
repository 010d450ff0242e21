import { randomUUID } from "node:crypto";
import { startKafka } from "@plaza/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createEvent } from "../create-event.ts";
import type { EventBus } from "../event-bus.port.ts";
import { defineEvent, EventRegistry } from "../registry.ts";
import { eventually } from "../testing/eventually.ts";
import { FAST_CONSUMER, kafkaTestLogger } from "../testing/kafka-test-tuning.ts";
import { createKafkaClient } from "./kafka-client.ts";
import { createKafkaEventBus } from "./kafka-event-bus.ts";
import { ensureTopics } from "./kafka-topics.ts";

// A consumer must survive its broker's restart. Under load kafkajs could give up on it for good (a crash rooted in
// KafkaJSGroupCoordinatorNotFound is not restarted); runAndKeepRunning restarts it (see kafka-consumer-restart.ts).

const logger = kafkaTestLogger;

function uniqueTopicWithEvent() {
  const topic = `kafka-bus.${randomUUID().slice(0, 8)}`;
  const registry = new EventRegistry();
  const Numbered = defineEvent("Numbered", 1, topic, z.object({ n: z.int() }), registry);
  return { topic, registry, Numbered };
}

describe("kafka event bus across a broker restart", () => {
  let kafka: Awaited<ReturnType<typeof startKafka>>;
  let bus: EventBus;

  beforeAll(async () => {
    kafka = await startKafka();
  });
  afterAll(async () => {
    await bus?.close();
    await kafka?.stop();
  });

  it("rejects publish while the broker is down, then publishes and consumes again once it is back", async () => {
    const { topic, registry, Numbered } = uniqueTopicWithEvent();
    bus = createKafkaEventBus({
      brokers: kafka.brokers,
      logger,
      registry,
      consumer: FAST_CONSUMER,
      connectionTimeoutMs: 500,
      producerRetry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    });
    await ensureTopics(createKafkaClient({ brokers: kafka.brokers, logger }), { topics: [topic], numPartitions: 2 });
    const handled: number[] = [];
    await bus.subscribe({
      groupId: `restart-${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      handler: (event) => void handled.push((event.payload as { n: number }).n),
    });
    await bus.publish([createEvent(Numbered, "a", { n: 1 })]);
    await eventually(() => handled.includes(1), { description: "first event consumed" });

    await kafka.stop();
    await expect(bus.publish([createEvent(Numbered, "a", { n: 2 })])).rejects.toThrow();

    await kafka.start();
    // The outbox relay's behaviour: retry until the broker accepts again.
    await eventually(
      async () => {
        await bus.publish([createEvent(Numbered, "a", { n: 3 })]);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: "publish succeeds after the restart" },
    );
    // kafkajs restarts a crashed consumer with exponential backoff; on a loaded 2-core machine that can take a while.
    await eventually(() => handled.includes(3), { timeoutMs: 150_000, description: "consumer resumed after the restart" });
  }, 240_000);
});
