import type { Histogram } from "prom-client";
import { createMetrics, type ServiceMetrics } from "@plaza/kit";

/** How a subgraph fetch ended; bounded so the label set stays small. */
export type SubgraphFetchOutcome = "ok" | "graphql_errors" | "http_error" | "timeout" | "network_error" | "invalid_response";

export interface RouterMetrics extends ServiceMetrics {
  subgraphFetchDuration: Histogram<"subgraph" | "outcome">;
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
  };
}
