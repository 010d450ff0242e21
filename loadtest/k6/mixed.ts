// A mixed social workload: 85% reads (feed 60, post 15, conversations 10) and 15% writes (likes 6, views 4,
// posts 3, chat messages 2) per 100 requests (lib/scenarios.ts MIX). PLAZA_SMOKE=1 runs every operation once per
// iteration instead of drawing one.
//   k6 run loadtest/k6/mixed.ts
import type { Options } from "k6/options";
import { setupSeeded, summaryHandler, type SetupData } from "./lib/k6-client.ts";
import { config, mixedIteration } from "./lib/social.ts";
import { constantVusOptions } from "./lib/scenarios.ts";

export const options: Options = constantVusOptions("mixed", config);

export function setup(): SetupData {
  return setupSeeded({ posts: true, conversations: true });
}

export default function (data: SetupData): void {
  mixedIteration(data);
}

export const handleSummary = summaryHandler("mixed");
