import type { ServiceMetrics } from "@plaza/kit";
import { DEAD_LETTER_REASONS } from "@plaza/events";

/** The counters subgraph's own metrics, beside kit's HTTP/GraphQL ones (all named plaza_counters_*). */
export function createCountersMetrics(metrics: ServiceMetrics) {
  const m = {
    redisRoundTrips: metrics.counter("redis_round_trips_total", "Round trips to the hot store (Redis) by operation", [
      "operation",
    ]),
    logAppendBatch: metrics.histogram(
      "log_append_batch_events",
      "Events per produce request to the counter log",
      [],
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    ),
    logAppendDuration: metrics.histogram("log_append_duration_seconds", "Duration of produce requests to the counter log"),
    persistedEvents: metrics.counter("persisted_events_total", "Counter log events applied to Postgres by the write-behind"),
    writeBehindDeadLetters: metrics.counter(
      "write_behind_dead_letters_total",
      "Counter log events the write-behind parked on the dead-letter topic (cannot be applied to Postgres, or undecodable)",
      ["reason"],
    ),
    writeBehindOutageRetries: metrics.counter(
      "write_behind_outage_retries_total",
      "Write-behind rounds that failed because Postgres was unreachable (it waits and retries; nothing is parked)",
    ),
    persistBatchDuration: metrics.histogram("persist_batch_duration_seconds", "Duration of one write-behind batch (all shards)"),
    consumerLag: metrics.gauge("kafka_consumer_lag", "Write-behind consumer lag per counter log partition", ["partition"]),
    rebuilds: metrics.counter("rebuilds_total", "Hot store rebuilds from the durable copy", ["kind"]),
    rebuiltCounters: metrics.counter("rebuilt_counters_total", "Counters restored into the hot store by rebuilds", ["kind"]),
    postLookups: metrics.counter(
      "post_lookups_total",
      "likePost/unlikePost on a post the projection does not know, by how it was resolved (found: asked the posts subgraph)",
      ["result"],
    ),
    activeSubscriptions: metrics.gauge("active_subscriptions", "counterChanged subscriptions open on this instance"),
    coalescedUpdates: metrics.counter("coalesced_updates_total", "Counter updates replaced by a newer one before delivery"),
    rateLimited: metrics.counter("rate_limited_total", "incrementCounter calls refused by the per-viewer, per-post rate limit", [
      "type",
    ]),
  };
  // Every series exists from the start at 0: Prometheus's increase() cannot see a first dead letter of a series that
  // appears with it.
  for (const reason of DEAD_LETTER_REASONS) m.writeBehindDeadLetters.inc({ reason }, 0);
  return m;
}

export type CountersMetrics = ReturnType<typeof createCountersMetrics>;
