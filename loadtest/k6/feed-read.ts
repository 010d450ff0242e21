// Feed reads: each VU reads its viewer's home timeline (20 posts with authors and like counts) in a loop.
//   k6 run loadtest/k6/feed-read.ts    (seed first: npm run loadtest:seed; settings: README "Load tests (k6)")
import type { Options } from "k6/options";
import { config, gql, setupSeeded, summaryHandler, viewerOf, type SetupData } from "./lib/k6-client.ts";
import { FEED } from "./lib/operations.ts";
import { constantVusOptions } from "./lib/scenarios.ts";

export const options: Options = constantVusOptions("feed-read", config);

export function setup(): SetupData {
  return setupSeeded();
}

export default function (data: SetupData): void {
  gql(FEED, { first: 20 }, viewerOf(data).token);
}

export const handleSummary = summaryHandler("feed-read");
