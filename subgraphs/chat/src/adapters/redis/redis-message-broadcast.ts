import type { Redis } from "ioredis";
import type { Logger } from "@plaza/kit";
import type { BroadcastListener, ChatBroadcast, MessageBroadcast } from "../../application/ports/message-broadcast.port.ts";

/**
 * New messages over Redis pub/sub, one channel for the deployment. ioredis's keyPrefix does not apply to channels,
 * so the channel carries the prefix itself (deployments and test stacks sharing a Redis stay apart).
 */
export function createRedisMessageBroadcast(opts: { redis: Redis; channelPrefix: string; logger: Logger }): MessageBroadcast {
  const channel = `${opts.channelPrefix}chat:messages`;
  const listeners = new Set<BroadcastListener>();
  // A subscribed connection can do nothing else: a dedicated one, opened with the first listener.
  let subscriber: Promise<Redis> | undefined;

  const open = async (): Promise<Redis> => {
    const connection = opts.redis.duplicate({ connectionName: "plaza-chat-message-subscriber" });
    let lastLogged = 0;
    connection.on("error", (err: Error) => {
      // One line every 10 s while Redis is down (it reconnects and re-subscribes by itself).
      if (Date.now() - lastLogged < 10_000) return;
      lastLogged = Date.now();
      opts.logger.warn({ err }, "message broadcast subscriber: redis error");
    });
    connection.on("message", (from: string, text: string) => {
      if (from !== channel) return;
      let message: ChatBroadcast;
      try {
        message = JSON.parse(text) as ChatBroadcast;
      } catch (err) {
        opts.logger.warn({ err }, "ignoring an unreadable message broadcast");
        return;
      }
      for (const listener of listeners) listener(message);
    });
    // ioredis re-subscribes by itself after a reconnect.
    await connection.subscribe(channel);
    return connection;
  };

  return {
    async publish(message) {
      await opts.redis.publish(channel, JSON.stringify(message));
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
