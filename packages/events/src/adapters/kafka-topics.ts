import type { Admin } from "kafkajs";
import type { Logger } from "pino";
import { deadLetterTopic, isDeadLetterTopic } from "../topics.ts";
import type { KafkaClient } from "./kafka-client.ts";

export interface EnsureTopicsOptions {
  topics: readonly string[];
  /** Partitions per topic: the upper bound of consumers sharing a group's work (default 6). */
  numPartitions?: number;
  /** -1 uses the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Also create `<topic>.dlq` for each topic (default true). */
  deadLetters?: boolean;
  /** Partitions of dead-letter topics (default 1: they are small and read by people). */
  deadLetterPartitions?: number;
  logger?: Logger;
}

const METADATA_WAIT_MS = 30_000;

/** Waits until every partition of `topics` has a leader. */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + METADATA_WAIT_MS;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      if (metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`kafka topics without leaders after ${METADATA_WAIT_MS} ms: ${topics.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Creates the missing topics (and their dead-letter topics); existing ones are left untouched —
 * adding partitions later would move keys between partitions and break per-key ordering.
 * Returns the names that were created.
 */
export async function ensureTopics(kafka: KafkaClient, options: EnsureTopicsOptions): Promise<string[]> {
  const wanted = new Map<string, number>();
  for (const topic of options.topics) {
    wanted.set(topic, options.numPartitions ?? 6);
    // Dead-letter topics get no dead-letter topic of their own: their readers are people and tools.
    if ((options.deadLetters ?? true) && !isDeadLetterTopic(topic)) {
      wanted.set(deadLetterTopic(topic), options.deadLetterPartitions ?? 1);
    }
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...wanted].filter(([topic]) => !existing.has(topic));
    if (missing.length > 0) {
      try {
        // Another service starting beside this one may create them first: kafkajs then resolves false.
        await admin.createTopics({
          topics: missing.map(([topic, numPartitions]) => ({
            topic,
            numPartitions,
            replicationFactor: options.replicationFactor ?? -1,
          })),
        });
      } catch (error) {
        if ((error as { type?: string }).type !== "UNKNOWN_TOPIC_OR_PARTITION") throw error;
      }
    }
    // Whoever created them, they are usable once every partition has a leader in the broker's metadata. A KRaft
    // broker lists a new topic before that, and kafkajs (its own leader wait, a consumer's subscribe, a producer's
    // first send) gives up on the UNKNOWN_TOPIC_OR_PARTITION it answers meanwhile, as seen when four services start
    // together on a fresh broker.
    await waitForLeaders(admin, [...wanted.keys()]);
    const created = missing.map(([topic]) => topic);
    if (created.length > 0) options.logger?.info({ topics: created }, "kafka topics created");
    return created;
  } finally {
    await admin.disconnect();
  }
}
