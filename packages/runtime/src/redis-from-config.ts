import { Redis } from "ioredis";
import type { Health, Logger } from "@plaza/kit";

/**
 * One ioredis client per service for its Redis adapters. Commands fail fast while Redis is unreachable
 * (callers decide whether to degrade), and the client reconnects with capped backoff. Commands issued in the same
 * turn of the event loop go out in one write (auto-pipelining): under load, the requests a Kafka acknowledgement
 * releases together reach Redis in one round trip instead of one syscall pair each.
 */
export function createRedisFromConfig(opts: {
  url: string;
  keyPrefix: string;
  logger: Logger;
  health?: Health;
  name: string;
}): Redis {
  const redis = new Redis(opts.url, {
    keyPrefix: opts.keyPrefix,
    connectionName: opts.name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
  });
  let lastLogged = 0;
  redis.on("error", (err) => {
    // A down Redis emits an error per reconnect attempt; one line every 10 s is enough.
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      opts.logger.warn({ err }, "redis error");
    }
  });
  opts.health?.addCheck("redis", async () => {
    await redis.ping();
  });
  return redis;
}
