import { createLogger } from "@plaza/kit";
import { createRedisTestClient, uniqueName } from "@plaza/testkit";
import { createRedisMessageBroadcast } from "../src/adapters/redis/redis-message-broadcast.ts";
import { runMessageBroadcastContract } from "./message-broadcast.contract.ts";

const logger = createLogger({ service: "test", level: "silent" });

// Two clients stand for two chat instances sharing one Redis.
runMessageBroadcastContract("Redis pub/sub", async () => {
  const prefix = `${uniqueName("chat-broadcast")}:`;
  const clients = [createRedisTestClient({ keyPrefix: prefix }), createRedisTestClient({ keyPrefix: prefix })];
  const [publisher, other] = clients.map((redis) => createRedisMessageBroadcast({ redis, channelPrefix: prefix, logger }));
  return {
    publisher: publisher!,
    other: other!,
    async close() {
      await publisher!.close();
      await other!.close();
      await Promise.all(clients.map((c) => c.quit()));
    },
  };
});
