import { z } from "zod";
import { envFields } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "@plaza/runtime";

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const countersEnvSchema = commonSubgraphEnv
  .extend({
    COUNTERS_PORT: envFields.port(4004),
    /**
     * Largest delta of one incrementCounter (views and shares only go up). 1: one call is one view or share; each
     * unit costs one unit of the viewer's rate limit, so it can be at most the smaller of the two rate limits.
     */
    COUNTER_MAX_DELTA: int(1, 1_000_000, 1),
    /**
     * Views one viewer may add to one post: a burst of COUNTERS_VIEW_RATE_LIMIT, refilled at that many per
     * COUNTERS_VIEW_RATE_WINDOW_MS (default: one view per viewer and post per minute).
     */
    COUNTERS_VIEW_RATE_LIMIT: int(1, 1_000_000_000, 1),
    COUNTERS_VIEW_RATE_WINDOW_MS: int(1, 7 * 24 * 3600_000, 60_000),
    /** Shares one viewer may add to one post, likewise (default: 10 per hour, one more every 6 minutes). */
    COUNTERS_SHARE_RATE_LIMIT: int(1, 1_000_000_000, 10),
    COUNTERS_SHARE_RATE_WINDOW_MS: int(1, 7 * 24 * 3600_000, 3600_000),
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
  })
  .superRefine((env, ctx) => {
    // A call's delta is its cost in the rate limit: a delta no limit could ever grant would be refused forever.
    for (const name of ["COUNTERS_VIEW_RATE_LIMIT", "COUNTERS_SHARE_RATE_LIMIT"] as const) {
      if (env.COUNTER_MAX_DELTA > env[name]) {
        ctx.addIssue({
          code: "custom",
          path: ["COUNTER_MAX_DELTA"],
          message: `must be at most ${name} (${env[name]}): a call's delta is its cost in that rate limit`,
        });
      }
    }
  });

export type CountersConfig = ReturnType<typeof loadCountersConfig>;

export const loadCountersConfig = (source?: Record<string, string | undefined>) =>
  loadSubgraphConfig("counters", countersEnvSchema, source);
