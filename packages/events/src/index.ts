export * from "./topics.ts";
export { envelopeSchema, type EventEnvelope } from "./envelope.ts";
export { InvalidEventError, type InvalidEventIssue, type InvalidEventReason } from "./errors.ts";
export {
  defineEvent,
  eventRegistry,
  EventRegistry,
  isEvent,
  type AnyEventDefinition,
  type EventDefinition,
  type EventOf,
  type PayloadOf,
} from "./registry.ts";
export { createEvent, type CreateEventOptions } from "./create-event.ts";
export { parseEvent, parseEventWithDefinition, type ParsedEvent } from "./parse-event.ts";
export { createEventDispatcher, type EventDispatcher } from "./dispatch.ts";
export * from "./event-bus.port.ts";
export { backoffDelay, errorMessage, sleep } from "./retry.ts";
export * from "./dead-letter-metrics.ts";
export * from "./schemas/index.ts";
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
