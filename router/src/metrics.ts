import type { Counter, Gauge, Histogram } from "prom-client";
import { createMetrics, type ServiceMetrics } from "@plaza/kit";
import { createSubscriptionMetrics, type SubscriptionMetrics } from "./subscriptions/subscription-metrics.ts";

/** How a subgraph fetch ended; bounded so the label set stays small. */
export type SubgraphFetchOutcome = "ok" | "graphql_errors" | "http_error" | "timeout" | "network_error" | "invalid_response";

export interface RouterMetrics extends ServiceMetrics {
  subgraphFetchDuration: Histogram<"subgraph" | "outcome">;
  subscriptions: SubscriptionMetrics;
  /** Response cache lookups by level (`l1`, `l2`) and result (`hit`, `miss`). */
  responseCacheLookups: Counter<"level" | "result">;
  /** The share of first-level hits answered before GraphQL (RESPONSE_CACHE_FAST_PATH): a subset of the lookups' l1 hits. */
  responseCacheFastPathHits: Counter;
  /** Entities invalidated, by source (`mutation`, `event`). */
  responseCacheInvalidations: Counter<"source">;
  /** Requests or subgraph fetches that joined an identical one in flight instead of running (`response`, `subgraph`). */
  inflightDedupes: Counter<"kind">;
  /** Operations answered with their single subgraph fetch's data, without the gateway's result shaping. */
  singleFetchDirect: Counter;
  /** Bytes held by the in-process first level. */
  responseCacheL1Bytes: Gauge;
  /** Redis operations of the second level that failed (served uncached, invalidations queued for replay). */
  responseCacheL2Errors: Counter<"operation">;
  /** Results not stored because one of their entities was invalidated while they were being fetched. */
  responseCacheStaleStoresSkipped: Counter<"level">;
  /** Session checks of tokens against the session subgraph, by outcome (`active`, `revoked`, `error`, `stale`). */
  sessionChecks: Counter<"outcome">;
  /** Revocation events applied (`session`, `tokens`). */
  sessionRevocations: Counter<"kind">;
}

/** All router metrics live on one registry: `plaza_router_*`. Create one per router instance. */
export function createRouterMetrics(opts: { defaultMetrics?: boolean } = {}): RouterMetrics {
  const base = createMetrics("router", opts);
  return {
    ...base,
    subgraphFetchDuration: base.histogram(
      "subgraph_fetch_duration_seconds",
      "Duration of router → subgraph fetches by subgraph and outcome",
      ["subgraph", "outcome"],
    ),
    subscriptions: createSubscriptionMetrics(base),
    responseCacheLookups: base.counter("response_cache_lookups_total", "Response cache lookups by level and result", [
      "level",
      "result",
    ]),
    responseCacheFastPathHits: base.counter(
      "response_cache_fast_path_hits_total",
      "First-level response cache hits answered before GraphQL (also counted in response_cache_lookups_total)",
    ),
    responseCacheInvalidations: base.counter(
      "response_cache_invalidations_total",
      "Entities invalidated in the response cache, by source",
      ["source"],
    ),
    inflightDedupes: base.counter(
      "inflight_dedupes_total",
      "Requests (inbound: any query; response: cached queries) or subgraph fetches (subgraph) served by an identical one already in flight",
      ["kind"],
    ),
    singleFetchDirect: base.counter(
      "single_fetch_direct_total",
      "Operations planned as one fetch with the client's own selection, answered with that fetch's data",
    ),
    responseCacheL1Bytes: base.gauge("response_cache_l1_bytes", "Bytes held by the in-process response cache level"),
    responseCacheL2Errors: base.counter("response_cache_l2_errors_total", "Failed Redis operations of the response cache", [
      "operation",
    ]),
    responseCacheStaleStoresSkipped: base.counter(
      "response_cache_stale_stores_skipped_total",
      "Results not cached because an entity in them was invalidated while they were fetched",
      ["level"],
    ),
    sessionChecks: base.counter(
      "session_checks_total",
      "Token session checks against the session subgraph by outcome (stale: it failed and a token checked before was kept)",
      ["outcome"],
    ),
    sessionRevocations: base.counter("session_revocations_total", "Token revocation events applied, by kind", ["kind"]),
  };
}
