import type { Redis } from "ioredis";
import type { Logger } from "@plaza/kit";
import { createRedisBroadcast } from "@plaza/runtime";
import type { BroadcastPost, FeedBroadcast } from "../../application/ports/feed-broadcast.port.ts";

/** New posts over Redis pub/sub, one channel for the deployment. */
export function createRedisFeedBroadcast(opts: { redis: Redis; channelPrefix: string; logger: Logger }): FeedBroadcast {
  return createRedisBroadcast<BroadcastPost>({
    redis: opts.redis,
    channel: `${opts.channelPrefix}feed:posts`,
    name: "posts-feed-broadcast",
    logger: opts.logger,
  });
}
