import { z } from "zod";
import { envFields } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "@plaza/runtime";

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const countersEnvSchema = commonSubgraphEnv.extend({
  COUNTERS_PORT: envFields.port(4004),
  /** Largest |delta| of one incrementCounter (GraphQL Int bounds it anyway). */
  COUNTER_MAX_DELTA: int(1, 2_147_483_647, 1_000),
  /** Most keys in one counters(keys:) request. */
  COUNTERS_BATCH_LIMIT: int(1, 10_000, 500),
  /** How long an incrementCounter idempotencyKey is remembered. */
  COUNTERS_IDEMPOTENCY_TTL_SECONDS: int(1, 30 * 24 * 3600, 24 * 3600),
  /** counterChanged: most updates per second per subscriber per counter (the newest value always arrives). */
  COUNTER_UPDATES_PER_SECOND: z.coerce.number().positive().max(1_000).default(10),
  /** How long the first change of an idle producer waits for others to share its Kafka request. */
  COUNTERS_LOG_LINGER_MS: int(0, 1_000, 2),
  /** Most events in one Kafka produce request. */
  COUNTERS_LOG_MAX_BATCH: int(1, 10_000, 500),
  /** Partitions of the counter log when this service creates the topic (and of the embedded log). */
  COUNTERS_LOG_PARTITIONS: int(1, 1_000, 6),
  /** How long a rebuild waits for the durable copy to include every logged change. */
  COUNTERS_REBUILD_TIMEOUT_MS: int(100, 10 * 60_000, 15_000),
  /** How often an instance checks whether Redis lost its data (and rebuilds it all in the background). */
  COUNTERS_WARM_CHECK_MS: int(100, 10 * 60_000, 5_000),
  /** The posts subgraph's GraphQL endpoint: asked whether a post exists when the post projection has not seen it yet. */
  COUNTERS_POSTS_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:4002/graphql"),
});

export type CountersConfig = ReturnType<typeof loadCountersConfig>;

export const loadCountersConfig = (source?: Record<string, string | undefined>) =>
  loadSubgraphConfig("counters", countersEnvSchema, source);
