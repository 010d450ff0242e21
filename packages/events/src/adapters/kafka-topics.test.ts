import { describe, expect, it } from "vitest";
import type { KafkaClient } from "./kafka-client.ts";
import { ensureTopics } from "./kafka-topics.ts";

/** An admin whose broker created the topics but whose metadata lags, as a fresh KRaft broker's may. */
function laggingAdmin(metadataMisses: number) {
  const calls = { metadata: 0 };
  const unknownTopic = Object.assign(new Error("This server does not host this topic-partition"), {
    type: "UNKNOWN_TOPIC_OR_PARTITION",
  });
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => [] as string[],
    createTopics: async () => {
      throw unknownTopic;
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      if (calls.metadata++ < metadataMisses) throw unknownTopic;
      return { topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })) };
    },
  };
  return { kafka: { admin: () => admin } as unknown as KafkaClient, calls };
}

describe("ensureTopics", () => {
  it("waits for the new topics' leaders when the broker's metadata lags behind their creation", async () => {
    const { kafka, calls } = laggingAdmin(2);
    await expect(ensureTopics(kafka, { topics: ["plaza.test.v1"] })).resolves.toEqual(["plaza.test.v1", "plaza.test.v1.dlq"]);
    expect(calls.metadata).toBe(3);
  });
});
