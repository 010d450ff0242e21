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
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(([topic, numPartitions]) => ({
        topic,
        numPartitions,
        replicationFactor: options.replicationFactor ?? -1,
      })),
    });
    const created = missing.map(([topic]) => topic);
    options.logger?.info({ topics: created }, "kafka topics created");
    return created;
  } finally {
    await admin.disconnect();
  }
}
