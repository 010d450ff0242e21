import type { Redis } from "ioredis";
import type { Logger } from "@plaza/kit";
import type { BroadcastListener, BroadcastPost, FeedBroadcast } from "../../application/ports/feed-broadcast.port.ts";

/**
 * New posts over Redis pub/sub, one channel for the deployment. ioredis's keyPrefix does not apply to channels,
 * so the channel carries the prefix itself (deployments and test stacks sharing a Redis stay apart).
 */
export function createRedisFeedBroadcast(opts: { redis: Redis; channelPrefix: string; logger: Logger }): FeedBroadcast {
  const channel = `${opts.channelPrefix}feed:posts`;
  const listeners = new Set<BroadcastListener>();
  // A subscribed connection can do nothing else: a dedicated one, opened with the first listener.
  let subscriber: Promise<Redis> | undefined;

  const open = async (): Promise<Redis> => {
    const connection = opts.redis.duplicate({ connectionName: "plaza-posts-feed-subscriber" });
    let lastLogged = 0;
    connection.on("error", (err: Error) => {
      // One line every 10 s while Redis is down (it reconnects and re-subscribes by itself).
      if (Date.now() - lastLogged < 10_000) return;
      lastLogged = Date.now();
      opts.logger.warn({ err }, "feed broadcast subscriber: redis error");
    });
    connection.on("message", (from: string, message: string) => {
      if (from !== channel) return;
      let post: BroadcastPost;
      try {
        post = JSON.parse(message) as BroadcastPost;
      } catch (err) {
        opts.logger.warn({ err }, "ignoring an unreadable feed broadcast");
        return;
      }
      for (const listener of listeners) listener(post);
    });
    // ioredis re-subscribes by itself after a reconnect.
    await connection.subscribe(channel);
    return connection;
  };

  return {
    async publish(post) {
      await opts.redis.publish(channel, JSON.stringify(post));
    },
    async subscribe(listener) {
      listeners.add(listener);
      try {
        subscriber ??= open();
        await subscriber;
      } catch (err) {
        listeners.delete(listener);
        subscriber = undefined;
        throw err;
      }
      return async () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
      const connection = await subscriber?.catch(() => undefined);
      subscriber = undefined;
      await connection?.quit().catch(() => connection.disconnect());
    },
  };
}
