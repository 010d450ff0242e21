// The 5-level progressive run of the mixed workload, requests@concurrency: 1k@10, 5k@50, 10k@100, 50k@500,
// 100k@1000 (k6 shared-iterations, one level after the other), with thresholds per level (tag `level`).
// PLAZA_LEVEL=3 runs one level; PLAZA_MAX_LEVEL=3 runs levels 1-3.
//   k6 run loadtest/k6/progressive.ts
import type { Options } from "k6/options";
import { setupSeeded, summaryHandler, type SetupData } from "./lib/k6-client.ts";
import { config, mixedIteration } from "./lib/social.ts";
import { progressiveOptions } from "./lib/scenarios.ts";

export const options: Options = progressiveOptions(config);

export function setup(): SetupData {
  return setupSeeded({ posts: true, conversations: true });
}

export default function (data: SetupData): void {
  mixedIteration(data);
}

export const handleSummary = summaryHandler("progressive");
