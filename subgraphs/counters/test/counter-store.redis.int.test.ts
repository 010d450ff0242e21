import { Redis } from "ioredis";
import { createLogger } from "@plaza/kit";
import { startRedis, type RedisHandle } from "@plaza/testkit";
import { createRedisCounterChanges } from "../src/adapters/redis/redis-counter-changes.ts";
import { createRedisCounterStore } from "../src/adapters/redis/redis-counter-store.ts";
import { runCounterStoreContract } from "./counter-store.contract.ts";

// A private Redis: the suite flushes it, which must never happen to the run's shared one.
let server: RedisHandle;
runCounterStoreContract("Redis store", async () => {
  server = await startRedis();
  const redis = new Redis(server.url, { keyPrefix: "contract:", maxRetriesPerRequest: 2 });
  const logger = createLogger({ service: "test", level: "silent" });
  const store = createRedisCounterStore({ redis });
  const changes = createRedisCounterChanges({ redis, logger });
  return {
    store,
    changes,
    loseData: async () => {
      await redis.flushall();
    },
    close: async () => {
      await changes.close();
      redis.disconnect();
      await server.destroy();
    },
  };
});
