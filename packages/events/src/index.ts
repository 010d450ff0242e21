export * from "./contracts.ts";
export * from "./dead-letter-metrics.ts";
export {
  createInProcessEventBus,
  type InProcessEventBus,
  type InProcessEventBusOptions,
} from "./adapters/in-process-event-bus.ts";
export {
  createKafkaEventBus,
  DEAD_LETTER_HEADERS,
  EVENT_HEADERS,
  headerText,
  type KafkaConsumerTuning,
  type KafkaEventBus,
  type KafkaEventBusOptions,
} from "./adapters/kafka-event-bus.ts";
export { createKafkaClient, createKafkaLogCreator, type KafkaClient, type KafkaClientOptions } from "./adapters/kafka-client.ts";
export { ensureTopics, type EnsureTopicsOptions } from "./adapters/kafka-topics.ts";
export * from "./outbox/index.ts";
export { runAndKeepRunning, type KeepRunningOptions } from "./adapters/kafka-consumer-restart.ts";
