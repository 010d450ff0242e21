import type { Kafka } from "kafkajs";
import { uniqueName } from "@plaza/testkit";

interface ObservedEvent {
  type: string;
  aggregateId: string;
  payload: Record<string, unknown>;
}

/** Reads a topic from the beginning into memory, as an independent consumer group would. */
export async function observeTopic(kafka: Kafka, topic: string) {
  const events: ObservedEvent[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName("observer"), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) events.push(JSON.parse(message.value.toString()) as ObservedEvent);
    },
  });
  return {
    events,
    of: (type: string, aggregateId?: string) =>
      events.filter((e) => e.type === type && (!aggregateId || e.aggregateId === aggregateId)),
    stop: () => consumer.disconnect(),
  };
}
