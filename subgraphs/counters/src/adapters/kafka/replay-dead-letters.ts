import type { Logger } from "pino";
import {
  createKafkaClient,
  DEAD_LETTER_HEADERS,
  deadLetterTopic,
  errorMessage,
  headerText,
  parseEventWithDefinition,
  Topics,
  type EventEnvelope,
} from "@plaza/events";
import type { CounterLog } from "../../application/ports/counter-log.port.ts";
import { WRITE_BEHIND_GROUP } from "../../application/write-behind.ts";

/** The consumer group that remembers how far the dead-letter topic has been replayed (a second run replays nothing). */
export const REPLAY_GROUP = "counters.dead-letter-replay";

export interface ReplayOptions {
  brokers: readonly string[];
  logger: Logger;
  /** The counter log the events go back to (its write-behind applies them to Postgres). */
  log: CounterLog;
  topic?: string;
  groupIdPrefix?: string;
  /** List what would be replayed; nothing is appended and the replay position does not move. */
  dryRun?: boolean;
}

export interface ReplayReport {
  replayed: Array<{ offset: string; eventId: string; type: string; aggregateId: string }>;
  skipped: Array<{ offset: string; reason: string }>;
}

/**
 * Appends the write-behind's parked counter events back to the counter log, once the cause is fixed (a constraint
 * lifted, a bug fixed): the write-behind then applies them to Postgres. Redis is not touched: it already counted each
 * of them when it was acknowledged, and only a request applies an event to Redis. Messages parked by other consumer
 * groups of the counters topic, and messages that are not counter events, are reported and left alone. An event that
 * still cannot be applied is parked again.
 */
export async function replayCounterDeadLetters(options: ReplayOptions): Promise<ReplayReport> {
  const topic = options.topic ?? Topics.counters;
  const source = deadLetterTopic(topic);
  const prefix = options.groupIdPrefix ?? "";
  const kafka = createKafkaClient({ brokers: options.brokers, logger: options.logger, clientId: "plaza-counters-replay" });
  const report: ReplayReport = { replayed: [], skipped: [] };

  const groupId = `${prefix}${REPLAY_GROUP}`;
  /** Last offset handled per partition (from the group's committed position, then as messages are handled). */
  const done = new Map<number, bigint>();
  let targets: Map<number, bigint>;
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(source)) return report;
    // Everything parked until now; what is parked while this runs waits for the next run.
    targets = new Map((await admin.fetchTopicOffsets(source)).map((p) => [p.partition, BigInt(p.high)]));
    const [committed] = await admin.fetchOffsets({ groupId, topics: [source] });
    for (const p of committed?.partitions ?? []) if (Number(p.offset) >= 0) done.set(p.partition, BigInt(p.offset) - 1n);
  } finally {
    await admin.disconnect();
  }
  const caughtUp = () => [...targets].every(([partition, high]) => (done.get(partition) ?? -1n) + 1n >= high);
  if (caughtUp()) return report;

  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const checkDone = () => {
    if (caughtUp()) finish();
  };

  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [source], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const high = targets.get(partition) ?? 0n;
        if (BigInt(message.offset) >= high) return;
        const group = headerText(message.headers, DEAD_LETTER_HEADERS.groupId) ?? "";
        const reason = headerText(message.headers, DEAD_LETTER_HEADERS.reason) ?? "";
        let event: EventEnvelope | undefined;
        if (!group.endsWith(WRITE_BEHIND_GROUP)) {
          report.skipped.push({ offset: message.offset, reason: `parked by another consumer group (${group || "none"})` });
        } else {
          try {
            event = parseEventWithDefinition(message.value?.toString() ?? "").event;
          } catch (error) {
            report.skipped.push({ offset: message.offset, reason: `not a counter event (${reason}): ${errorMessage(error)}` });
          }
        }
        if (event) {
          if (!options.dryRun) {
            await options.log.append([event]);
            // Remembered at once: a run that dies later does not append this one again (a crash between the two
            // lines above and below would, once).
            await consumer.commitOffsets([{ topic: source, partition, offset: String(BigInt(message.offset) + 1n) }]);
          }
          report.replayed.push({ offset: message.offset, eventId: event.id, type: event.type, aggregateId: event.aggregateId });
        }
        done.set(partition, BigInt(message.offset));
        checkDone();
      },
    });
    await finished;
    // Committed explicitly before leaving: a second run must not append these events again.
    if (!options.dryRun) {
      await consumer.commitOffsets(
        [...done].map(([partition, offset]) => ({ topic: source, partition, offset: String(offset + 1n) })),
      );
    }
  } finally {
    await consumer.disconnect();
  }
  return report;
}
