import type { DeadLetter, DeadLetterReason, EventBus } from "./event-bus.port.ts";
import { DOMAIN_TOPICS } from "./topics.ts";

/** Labels of a dead-letter counter, every value from a small fixed set whatever the traffic. */
export interface DeadLetterLabels {
  /**
   * The consumer group as named in code, without an instance suffix: `posts.entity-cache.<instance>` counts as
   * `posts.entity-cache` (group ids are `<service>.<consumer>[.<instance>]`).
   */
  consumer: string;
  /** A domain topic, or `other`. */
  topic: string;
  reason: DeadLetterReason;
}

export const DEAD_LETTER_LABEL_NAMES = ["consumer", "topic", "reason"] as const;

export function deadLetterLabels(deadLetter: Pick<DeadLetter, "consumer" | "topic" | "reason">): DeadLetterLabels {
  return {
    consumer: deadLetter.consumer.split(".").slice(0, 2).join("."),
    topic: (DOMAIN_TOPICS as readonly string[]).includes(deadLetter.topic) ? deadLetter.topic : "other",
    reason: deadLetter.reason,
  };
}

/**
 * Calls `count` for every dead letter of `service`'s own consumer groups on `bus` (one bus may serve every service of
 * a process; each service counts its own groups in its own metrics). Returns a function that stops it.
 */
export function watchDeadLetters(bus: EventBus, service: string, count: (labels: DeadLetterLabels) => void): () => void {
  return (
    bus.onDeadLetter?.((deadLetter) => {
      if (deadLetter.consumer.split(".")[0] === service) count(deadLetterLabels(deadLetter));
    }) ?? (() => undefined)
  );
}
