import { DEAD_LETTER_LABEL_NAMES, watchDeadLetters, type EventBus } from "@plaza/events";
import type { ServiceMetrics } from "@plaza/kit";

/** `plaza_<service>_event_dead_letters_total`: one name for every service, so one alert rule covers them all. */
export const EVENT_DEAD_LETTERS_METRIC = "event_dead_letters_total";

/**
 * Counts the messages `service`'s event-bus consumers parked on dead-letter topics, by consumer, topic and reason
 * (bounded values). Returns a function that stops counting.
 */
export function countEventDeadLetters(opts: { bus: EventBus; service: string; metrics: ServiceMetrics }): () => void {
  const counter = opts.metrics.counter(
    EVENT_DEAD_LETTERS_METRIC,
    "Events this service's consumers parked on a dead-letter topic (<topic>.dlq), by consumer group, topic and reason",
    DEAD_LETTER_LABEL_NAMES,
  );
  return watchDeadLetters(opts.bus, opts.service, (labels) => counter.inc(labels));
}
