// Post writes: each VU publishes posts as its viewer (fan-out to the followers' timelines follows through Kafka).
//   k6 run loadtest/k6/post-write.ts
import type { Options } from "k6/options";
import { config, gql, setupSeeded, summaryHandler, uniqueId, viewerOf, type SetupData } from "./lib/k6-client.ts";
import { CREATE_POST } from "./lib/operations.ts";
import { constantVusOptions } from "./lib/scenarios.ts";

export const options: Options = constantVusOptions("post-write", config);

export function setup(): SetupData {
  return setupSeeded();
}

export default function (data: SetupData): void {
  gql(CREATE_POST, { input: { body: uniqueId("load test post") } }, viewerOf(data).token);
}

export const handleSummary = summaryHandler("post-write");
