import type { Redis } from "ioredis";
import type { Logger } from "@plaza/kit";
import { createRedisBroadcast } from "@plaza/runtime";
import type { ChatBroadcast, MessageBroadcast } from "../../application/ports/message-broadcast.port.ts";

/** New messages and read positions over Redis pub/sub, one channel for the deployment. */
export function createRedisMessageBroadcast(opts: { redis: Redis; channelPrefix: string; logger: Logger }): MessageBroadcast {
  return createRedisBroadcast<ChatBroadcast>({
    redis: opts.redis,
    channel: `${opts.channelPrefix}chat:messages`,
    name: "chat-message-broadcast",
    logger: opts.logger,
  });
}
