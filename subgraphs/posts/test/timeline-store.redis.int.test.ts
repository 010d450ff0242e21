import { createRedisTestClient, uniqueName } from "@plaza/testkit";
import { createRedisTimelineStore } from "../src/adapters/redis/redis-timeline-store.ts";
import { CONTRACT_TIMELINE_MAX, runTimelineStoreContract } from "./timeline-store.contract.ts";

runTimelineStoreContract("Redis", async () => {
  const redis = createRedisTestClient({ keyPrefix: `${uniqueName("timeline")}:` });
  return {
    store: createRedisTimelineStore({ redis, maxLength: CONTRACT_TIMELINE_MAX, ttlSeconds: 600 }),
    close: async () => {
      await redis.quit();
    },
  };
});
