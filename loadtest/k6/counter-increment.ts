// Counter increments: each VU counts views of seeded posts as its viewer. Views are limited per viewer and post
// (COUNTERS_VIEW_RATE_LIMIT, one per minute by default): raise it on the target or most answers are RATE_LIMITED,
// which this scenario counts as failed checks (README "Load tests (k6)").
//   k6 run loadtest/k6/counter-increment.ts
import type { Options } from "k6/options";
import { config, gql, setupSeeded, summaryHandler, viewerOf, type SetupData } from "./lib/k6-client.ts";
import { INCREMENT_VIEW } from "./lib/operations.ts";
import { constantVusOptions } from "./lib/scenarios.ts";

export const options: Options = constantVusOptions("counter-increment", config);

export function setup(): SetupData {
  return setupSeeded({ posts: true });
}

export default function (data: SetupData): void {
  const postId = data.postIds[(__VU * 7919 + __ITER) % data.postIds.length]!;
  gql(INCREMENT_VIEW, { input: { resourceId: postId, type: "VIEW", delta: 1 } }, viewerOf(data).token);
}

export const handleSummary = summaryHandler("counter-increment");
