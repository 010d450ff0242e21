// What every k6 scenario shares: its settings, one GraphQL call with its checks, setup() that signs in seeded
// users, and handleSummary. The operations themselves live in operations.ts (shared with the Node driver).
import { check, fail } from "k6";
import http from "k6/http";
import { readConfig } from "./config.ts";
import { answerIsCorrect, at, FEED, SIGN_IN, START_CONVERSATION, type Operation } from "./operations.ts";
import { seededUser } from "./seed-plan.ts";
import { summaryFiles, type SummaryData } from "./summary.ts";

export const config = readConfig(__ENV);

export interface Viewer {
  id: string;
  token: string;
  handle: string;
}

export interface SetupData {
  viewers: Viewer[];
  /** Posts in the viewers' feeds (likes, views, reads). */
  postIds: string[];
  /** Direct conversations of viewer pairs (2i, 2i+1). */
  conversations: Array<{ id: string; members: [number, number] }>;
}

/**
 * Sends `op` to the router; checks the HTTP status and that the answer is correct (no unexpected GraphQL error,
 * data as `op.expect` wants it). Returns the response's data, or undefined when a check failed.
 */
export function gql(op: Operation, variables: Record<string, unknown>, token?: string): unknown {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = http.post(config.url, JSON.stringify({ query: op.query, variables }), {
    headers,
    tags: { name: op.name },
  });
  let body: unknown;
  try {
    body = response.json();
  } catch {
    body = undefined;
  }
  const ok = check(response, {
    [`${op.name}: HTTP 200`]: (r) => r.status === 200,
    [`${op.name}: correct answer`]: () => body !== undefined && answerIsCorrect(op, body),
  });
  return ok ? at(body, "data") : undefined;
}

/** The VU's viewer (VUs share the signed-in viewers round robin). */
export function viewerOf(data: SetupData): Viewer {
  return data.viewers[(Math.max(__VU, 1) - 1) % data.viewers.length]!;
}

/** setup(): signs in `config.viewers` seeded users, finds posts in their feeds and starts their pairs' conversations. */
export function setupSeeded(opts: { posts?: boolean; conversations?: boolean } = {}): SetupData {
  const viewers: Viewer[] = [];
  for (let i = 0; i < config.viewers; i++) {
    const user = seededUser(config.seed, i);
    const data = gql(SIGN_IN, { email: user.email, password: user.password });
    if (!data) break;
    viewers.push({ id: at(data, "signIn.user.id") as string, token: at(data, "signIn.token") as string, handle: user.handle });
  }
  if (viewers.length < 2)
    fail(
      `could not sign in the seeded users of seed ${config.seed} at ${config.url}: run ` +
        `\`npm run loadtest:seed -- --seed ${config.seed} --users ${config.viewers}\` first (and see README "Load tests" for the limits to raise)`,
    );
  const postIds: string[] = [];
  if (opts.posts) {
    for (const viewer of viewers) {
      const edges = at(gql(FEED, { first: 50 }, viewer.token), "feed.edges");
      for (const edge of Array.isArray(edges) ? edges : []) {
        const id = at(edge, "node.id");
        if (typeof id === "string" && !postIds.includes(id)) postIds.push(id);
      }
      if (postIds.length >= 200) break;
    }
    if (postIds.length === 0) fail("the seeded users' feeds are empty: seed posts first (`npm run loadtest:seed -- --posts 5`)");
  }
  const conversations: SetupData["conversations"] = [];
  if (opts.conversations) {
    for (let i = 0; i + 1 < viewers.length; i += 2) {
      const data = gql(START_CONVERSATION, { memberIds: [viewers[i + 1]!.id] }, viewers[i]!.token);
      const id = at(data, "startConversation.id");
      if (typeof id === "string") conversations.push({ id, members: [i, i + 1] });
    }
    if (conversations.length === 0) fail("could not start a conversation between seeded users");
  }
  return { viewers, postIds, conversations };
}

/** A unique-enough id for messages and post bodies: VU, iteration, time and a random part. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${__VU}-${__ITER}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** handleSummary of a scenario: JSON and Markdown under loadtest/results/ (PLAZA_RESULTS_DIR elsewhere). */
export function summaryHandler(scenario: string) {
  return (data: SummaryData) => summaryFiles(scenario, data, __ENV.PLAZA_RESULTS_DIR || undefined);
}
