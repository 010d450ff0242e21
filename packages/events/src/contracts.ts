// What the application layer of a service may import from @plaza/events (`@plaza/events/contracts`): event
// definitions, envelopes, the bus port and pure helpers. No adapter, no Kafka or SQL library is loaded from here.
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
export * from "./schemas/index.ts";
export type { OutboxEvents } from "./outbox/write-outbox.ts";
