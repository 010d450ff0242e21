import { describe, expect, it } from "vitest";
import { createLogger } from "@plaza/kit";
import { createRedisTestClient, uniqueName, waitFor } from "@plaza/testkit";
import type { BroadcastPost } from "../src/application/ports/feed-broadcast.port.ts";
import { createRedisFeedBroadcast } from "../src/adapters/redis/redis-feed-broadcast.ts";
import { runFeedBroadcastContract } from "./feed-broadcast.contract.ts";

const logger = createLogger({ service: "test", level: "silent" });

function openPair(prefix: string) {
  const clients = [createRedisTestClient({ keyPrefix: prefix }), createRedisTestClient({ keyPrefix: prefix })];
  const [publisher, other] = clients.map((redis) => createRedisFeedBroadcast({ redis, channelPrefix: prefix, logger }));
  return {
    publisher: publisher!,
    other: other!,
    async close() {
      await publisher!.close();
      await other!.close();
      await Promise.all(clients.map((c) => c.quit()));
    },
  };
}

// Two clients stand for two posts instances sharing one Redis.
runFeedBroadcastContract("Redis pub/sub", async () => openPair(`${uniqueName("broadcast")}:`));

describe("Redis feed broadcast isolation", () => {
  it("keeps deployments with different key prefixes apart", async () => {
    const a = openPair(`${uniqueName("deploy-a")}:`);
    const b = openPair(`${uniqueName("deploy-b")}:`);
    try {
      const heardA: BroadcastPost[] = [];
      const heardB: BroadcastPost[] = [];
      await a.other.subscribe((p) => heardA.push(p));
      await b.other.subscribe((p) => heardB.push(p));
      const post = { id: "ONLY-B", authorId: "X", body: "b", createdAt: new Date().toISOString() };
      await a.publisher.publish({ ...post, id: "ONLY-A" });
      await b.publisher.publish(post);
      await waitFor(() => heardA.length === 1 && heardB.length === 1, { description: "one post per deployment" });
      expect(heardA.map((p) => p.id)).toEqual(["ONLY-A"]);
      expect(heardB.map((p) => p.id)).toEqual(["ONLY-B"]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
