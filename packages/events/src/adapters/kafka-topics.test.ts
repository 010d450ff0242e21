import { describe, expect, it } from "vitest";
import type { KafkaClient } from "./kafka-client.ts";
import { ensureTopics } from "./kafka-topics.ts";

const unknownTopic = () =>
  Object.assign(new Error("This server does not host this topic-partition"), { type: "UNKNOWN_TOPIC_OR_PARTITION" });

/** An admin on a broker whose metadata lags behind topic creation, as a fresh KRaft broker's may. */
function laggingAdmin(opts: { existing: string[]; createFails: boolean; metadataMisses: number }) {
  const calls = { create: 0, metadata: 0 };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => opts.existing,
    createTopics: async () => {
      calls.create++;
      if (opts.createFails) throw unknownTopic();
      return true;
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      if (calls.metadata++ < opts.metadataMisses) throw unknownTopic();
      return { topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })) };
    },
  };
  return { kafka: { admin: () => admin } as unknown as KafkaClient, calls };
}

describe("ensureTopics", () => {
  it("creates missing topics and waits for their leaders when the broker's leader check fails", async () => {
    const { kafka, calls } = laggingAdmin({ existing: [], createFails: true, metadataMisses: 2 });
    await expect(ensureTopics(kafka, { topics: ["plaza.test.v1"] })).resolves.toEqual(["plaza.test.v1", "plaza.test.v1.dlq"]);
    expect(calls).toEqual({ create: 1, metadata: 3 });
  });

  it("waits for the leaders of topics another service just created", async () => {
    const { kafka, calls } = laggingAdmin({
      existing: ["plaza.test.v1", "plaza.test.v1.dlq"],
      createFails: false,
      metadataMisses: 1,
    });
    await expect(ensureTopics(kafka, { topics: ["plaza.test.v1"] })).resolves.toEqual([]);
    expect(calls).toEqual({ create: 0, metadata: 2 });
  });
});
