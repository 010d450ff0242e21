// Likes: each iteration likes a seeded post and withdraws the like again as the VU's viewer (one like per user:
// the data stays the same size however long it runs).
//   k6 run loadtest/k6/likes.ts
import type { Options } from "k6/options";
import { config, gql, setupSeeded, summaryHandler, viewerOf, type SetupData } from "./lib/k6-client.ts";
import { LIKE_POST, UNLIKE_POST } from "./lib/operations.ts";
import { constantVusOptions } from "./lib/scenarios.ts";

export const options: Options = constantVusOptions("likes", config);

export function setup(): SetupData {
  return setupSeeded({ posts: true });
}

export default function (data: SetupData): void {
  // VUs sharing a viewer work on different posts, so one VU's unlike does not undo another's like mid-check.
  const postId = data.postIds[(__VU - 1 + __ITER * 131) % data.postIds.length]!;
  const token = viewerOf(data).token;
  gql(LIKE_POST, { postId }, token);
  gql(UNLIKE_POST, { postId }, token);
}

export const handleSummary = summaryHandler("likes");
