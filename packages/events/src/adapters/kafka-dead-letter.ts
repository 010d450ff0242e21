import type { KafkaMessage, ProducerRecord } from "kafkajs";
import type { Logger } from "pino";
import type { EventEnvelope } from "../envelope.ts";
import type { DeadLetter, DeadLetterReason } from "../event-bus.port.ts";
import { deadLetterTopic } from "../topics.ts";
import { DEAD_LETTER_HEADERS } from "./kafka-headers.ts";

/** Where a message that is being parked came from. */
export interface DeadLetterSource {
  groupId: string;
  consumer: string;
  topic: string;
  partition: number;
}

export type SendToDeadLetter = (
  message: KafkaMessage,
  source: DeadLetterSource,
  reason: DeadLetterReason,
  error: string,
  attempts: number,
  event?: EventEnvelope,
) => Promise<void>;

export interface DeadLetterWriterDeps {
  /** Sends through the bus's (connected) producer. */
  send: (record: ProducerRecord) => Promise<unknown>;
  logger: Logger;
  /** Callbacks told of every parked message, read at each call (listeners come and go). */
  listeners: () => Iterable<((deadLetter: DeadLetter) => void) | undefined>;
}

/** Parks a message on `<topic>.dlq` with the original headers plus `DEAD_LETTER_HEADERS`, then tells the listeners. */
export function createDeadLetterWriter({ send, logger, listeners }: DeadLetterWriterDeps): SendToDeadLetter {
  return async function sendToDeadLetter(message, source, reason, error, attempts, event) {
    const deadLetteredAt = new Date().toISOString();
    await send({
      topic: deadLetterTopic(source.topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.error]: error.slice(0, 2_000),
            [DEAD_LETTER_HEADERS.groupId]: source.groupId,
            [DEAD_LETTER_HEADERS.sourceTopic]: source.topic,
            [DEAD_LETTER_HEADERS.sourcePartition]: String(source.partition),
            [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
            [DEAD_LETTER_HEADERS.attempts]: String(attempts),
            [DEAD_LETTER_HEADERS.at]: deadLetteredAt,
          },
        },
      ],
    });
    const deadLetter: DeadLetter = {
      ...source,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      reason,
      error,
      attempts,
      deadLetteredAt,
      ...(event ? { event } : { rawValue: message.value?.toString() ?? "" }),
    };
    logger.warn(
      { groupId: source.groupId, topic: source.topic, partition: source.partition, offset: message.offset, reason, error },
      "message dead-lettered",
    );
    for (const listener of listeners()) {
      try {
        listener?.(deadLetter);
      } catch (callbackError) {
        logger.error({ err: callbackError }, "onDeadLetter callback failed");
      }
    }
  };
}
