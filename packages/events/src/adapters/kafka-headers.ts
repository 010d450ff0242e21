import type { IHeaders } from "kafkajs";

/** Headers on every published event, so tools can route/filter without decoding the body. */
export const EVENT_HEADERS = {
  type: "event-type",
  version: "event-version",
  id: "event-id",
  contentType: "content-type",
} as const;

/** Headers added to a message parked on a dead-letter topic (the original headers are kept). */
export const DEAD_LETTER_HEADERS = {
  reason: "dlq-reason",
  error: "dlq-error",
  groupId: "dlq-group-id",
  sourceTopic: "dlq-source-topic",
  sourcePartition: "dlq-source-partition",
  sourceOffset: "dlq-source-offset",
  attempts: "dlq-attempts",
  at: "dlq-at",
} as const;

/** A header's value as text (kafkajs hands headers back as Buffers). */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
