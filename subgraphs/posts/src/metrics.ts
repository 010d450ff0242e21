import type { ServiceMetrics } from "@plaza/kit";
import type { FanOutMetrics } from "./application/fan-out.ts";
import type { FeedMetrics } from "./application/feed.ts";
import type { LiveFeedMetrics } from "./application/live-feed.ts";

/** Fan-out of large audiences takes seconds; the default latency buckets stop at 10 s. */
const FAN_OUT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** The posts subgraph's own instruments (plaza_posts_*), next to kit's HTTP/GraphQL ones. */
export function createPostsMetrics(metrics: ServiceMetrics): { fanOut: FanOutMetrics; feed: FeedMetrics; live: LiveFeedMetrics } {
  const fanOutDuration = metrics.histogram(
    "fanout_duration_seconds",
    "Time to write one post into every follower's timeline",
    [],
    FAN_OUT_BUCKETS,
  );
  const fanOutWrites = metrics.counter("fanout_timeline_writes_total", "Timeline entries written by fan-out");
  const fanOutSkipped = metrics.counter("fanout_skipped_total", "Posts of high-follower authors left to the read-time pull");
  const rebuilds = metrics.counter("timeline_rebuilds_total", "Home timelines rebuilt from Postgres (cold start, expiry, flush)");
  const degraded = metrics.counter(
    "feed_degraded_reads_total",
    "Feed reads served from Postgres because the timeline store failed",
  );
  const subscriptions = metrics.gauge("feed_subscriptions", "Active feedUpdated subscriptions on this instance");
  return {
    fanOut: {
      fannedOut(followers, seconds) {
        fanOutWrites.inc(followers);
        fanOutDuration.observe(seconds);
      },
      skipped: () => fanOutSkipped.inc(),
    },
    feed: { rebuilt: () => rebuilds.inc(), degraded: () => degraded.inc() },
    live: { subscriptions: (delta) => subscriptions.inc(delta) },
  };
}
