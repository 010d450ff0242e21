import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CounterKey } from "../../domain/counter.ts";
import type { ChangeListener, CounterChanges } from "../../application/ports/counter-changes.port.ts";
import { changeChannel } from "./keys.ts";

/**
 * Counter changes over Redis pub/sub: the store's scripts PUBLISH every new value, so a change applied by any
 * instance reaches watchers on every instance. One subscriber connection per process; a channel is subscribed
 * while at least one local watcher needs it (no pattern subscription: an instance only receives what it watches).
 */
export function createRedisCounterChanges(options: { redis: Redis; logger: Logger }): CounterChanges {
  const keyPrefix = options.redis.options.keyPrefix ?? "";
  // A connection in subscriber mode cannot run other commands: a dedicated one, without key prefixing.
  const subscriber = options.redis.duplicate({ keyPrefix: "", connectionName: "plaza-counters-changes" });
  subscriber.on("error", (err) => options.logger.debug({ err }, "counter change subscriber error"));
  const listeners = new Map<string, Set<ChangeListener>>();
  // Subscribe/unsubscribe calls per channel are chained so a quick watch/unwatch/watch keeps the right state.
  const pending = new Map<string, Promise<unknown>>();

  subscriber.on("message", (channel: string, message: string) => {
    const value = Number(message);
    for (const listener of listeners.get(channel) ?? []) {
      try {
        listener(value);
      } catch (err) {
        options.logger.warn({ err, channel }, "counter change listener failed");
      }
    }
  });

  const serialize = (channel: string, step: () => Promise<unknown>) => {
    const next = (pending.get(channel) ?? Promise.resolve()).catch(() => undefined).then(step);
    pending.set(channel, next);
    void next
      .finally(() => {
        if (pending.get(channel) === next) pending.delete(channel);
      })
      .catch(() => undefined);
    return next;
  };

  return {
    async watch(key: CounterKey, listener: ChangeListener) {
      const channel = changeChannel(keyPrefix, key);
      let set = listeners.get(channel);
      const first = !set;
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(listener);
      if (first) await serialize(channel, () => subscriber.subscribe(channel));
      else await pending.get(channel)?.catch(() => undefined);
      let removed = false;
      return async () => {
        if (removed) return;
        removed = true;
        const current = listeners.get(channel);
        current?.delete(listener);
        if (current && current.size === 0) {
          listeners.delete(channel);
          await serialize(channel, async () => {
            // Someone may have started watching again while this was queued.
            if (!listeners.has(channel)) await subscriber.unsubscribe(channel);
          }).catch((err: unknown) => options.logger.debug({ err, channel }, "unsubscribe failed"));
        }
      };
    },
    async close() {
      listeners.clear();
      subscriber.disconnect();
    },
  };
}
