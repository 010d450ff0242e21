import type { Redis } from "ioredis";
import type { Logger } from "@plaza/kit";

/**
 * Best-effort fan-out of small JSON events to every instance of a service (live updates; the durable path is the
 * service's own storage). The shape of the subgraphs' broadcast ports (posts' feed, chat's messages).
 */
export interface Broadcast<T extends object> {
  publish(event: T): Promise<void>;
  /** Resolves once the listener is receiving; the returned function unsubscribes. */
  subscribe(listener: (event: T) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The embedded default: one process, so a broadcast is a loop over this process's listeners. */
export function createMemoryBroadcast<T extends object>(): Broadcast<T> {
  const listeners = new Set<(event: T) => void>();
  return {
    async publish(event) {
      // Asynchronous like the network, and a copy per listener as a network hop would give.
      setImmediate(() => {
        for (const listener of listeners) listener({ ...event });
      });
    },
    async subscribe(listener) {
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}

/**
 * Events over Redis pub/sub on one channel. ioredis's keyPrefix does not apply to channels, so `channel` must carry
 * the deployment's prefix itself (deployments and test stacks sharing a Redis stay apart).
 */
export function createRedisBroadcast<T extends object>(opts: {
  redis: Redis;
  channel: string;
  /** Names the dedicated subscriber connection (CLIENT LIST) and the log lines. */
  name: string;
  logger: Logger;
}): Broadcast<T> {
  const { channel, logger } = opts;
  const listeners = new Set<(event: T) => void>();
  // A subscribed connection can do nothing else: a dedicated one, opened with the first listener.
  let subscriber: Promise<Redis> | undefined;

  const open = async (): Promise<Redis> => {
    const connection = opts.redis.duplicate({ connectionName: `plaza-${opts.name}-subscriber` });
    let lastLogged = 0;
    connection.on("error", (err: Error) => {
      // One line every 10 s while Redis is down (it reconnects and re-subscribes by itself).
      if (Date.now() - lastLogged < 10_000) return;
      lastLogged = Date.now();
      logger.warn({ err }, `${opts.name} subscriber: redis error`);
    });
    connection.on("message", (from: string, text: string) => {
      if (from !== channel) return;
      let event: T;
      try {
        event = JSON.parse(text) as T;
      } catch (err) {
        logger.warn({ err }, `ignoring an unreadable ${opts.name} event`);
        return;
      }
      for (const listener of listeners) listener(event);
    });
    // ioredis re-subscribes by itself after a reconnect.
    await connection.subscribe(channel);
    return connection;
  };

  return {
    async publish(event) {
      await opts.redis.publish(channel, JSON.stringify(event));
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
