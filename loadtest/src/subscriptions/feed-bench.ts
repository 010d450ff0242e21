// 1,000 viewers, each with their own feedUpdated (viewer-scoped: never shared), one author posting: delivery
// latency from createPost's acknowledgement to each follower, through router → posts (live feed) → users and
// counters for the rest of the selection.
//   npx tsx loadtest/src/subscriptions/feed-bench.ts [--viewers 1000] [--rounds 10] [--processes 2]
// Runs `npm start` in a child process on embedded defaults (PGlite, in-process bus), whatever .env says.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot, startProcessStack } from "../process-stack.ts";
import { embeddedStackEnv } from "./embedded-env.ts";
import {
  histogramQuantiles,
  scrapeHistogram,
  scrapeMetric,
  startSubscriberProcesses,
  summarize,
  until,
} from "./subscriber-processes.ts";

const { values } = parseArgs({
  options: {
    viewers: { type: "string", default: "1000" },
    rounds: { type: "string", default: "10" },
    processes: { type: "string", default: "2" },
  },
});
const viewers = Number(values.viewers);
const rounds = Number(values.rounds);
const now = () => performance.timeOrigin + performance.now();

const FEED_UPDATED = "subscription { feedUpdated { id body author { displayName } likeCount } }";

async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(`${query.slice(0, 40)}…: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
async function pool<T, R>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!, i);
    }),
  );
  return results;
}

// Cheaper password hashing keeps sign-up of 1,000 viewers quick (the algorithm is unchanged).
const stack = await startProcessStack(await embeddedStackEnv({ ARGON2_MEMORY_KIB: "4096", ARGON2_TIME_COST: "1" }));
const url = stack.routerUrl;
const metricsUrl = url.replace("/graphql", "/metrics");
const processes = await startSubscriberProcesses(Number(values.processes));
try {
  const run = Date.now().toString(36);
  const signUp = (name: string) =>
    gql<{ signUp: { token: string; user: { id: string } } }>(
      url,
      "mutation ($i: SignUpInput!) { signUp(input: $i) { token user { id } } }",
      {
        i: { email: `${name}@example.com`, password: "correct-horse-9", handle: name, displayName: name },
      },
    ).then((d) => ({ token: d.signUp.token, id: d.signUp.user.id }));
  const author = await signUp(`a${run}`);
  const started = Date.now();
  const followers = await pool(Array.from({ length: viewers }), 8, async (_, i) => {
    const viewer = await signUp(`v${run}x${i}`);
    await gql(url, "mutation ($id: ID!) { follow(userId: $id) { id } }", { id: author.id }, viewer.token);
    return viewer;
  });
  const setupSeconds = (Date.now() - started) / 1000;

  await processes.open(
    url.replace("http://", "ws://"),
    followers.map((f) => ({ token: f.token, query: FEED_UPDATED })),
    "feedUpdated.id",
  );
  await until(
    async () => (await scrapeMetric(metricsUrl, "plaza_router_subscriptions_active")) === viewers,
    `${viewers} subscriptions`,
  );
  const upstream = await scrapeMetric(metricsUrl, "plaza_router_upstream_subscriptions_active");

  const createPost = async (body: string) => {
    const data = await gql<{ createPost: { id: string } }>(
      url,
      "mutation ($b: String!) { createPost(input: { body: $b }) { id } }",
      { b: body },
      author.token,
    );
    return { id: data.createPost.id, ackAt: now() };
  };
  // Follows reach the posts subgraph asynchronously: post until one post reaches every follower.
  for (let warm = 0; ; warm++) {
    const { received: base } = await processes.stats();
    const { id } = await createPost(`warm-up ${warm}`);
    await until(async () => (await processes.stats()).received >= base + viewers, "warm-up post delivered", 30_000, 50).catch(
      () => undefined,
    );
    const got = (await processes.collect(id)).length;
    console.log(`warm-up post ${warm}: ${got}/${viewers} followers`);
    if (got === viewers) break;
    if (warm >= 20) throw new Error(`only ${got}/${viewers} followers receive posts after ${warm + 1} warm-up posts`);
  }

  const LATENCY = "plaza_router_subscription_delivery_latency_seconds";
  const histogramBefore = await scrapeHistogram(metricsUrl, LATENCY);
  const all: number[] = [];
  const perRound: Array<ReturnType<typeof summarize> & { missing: number }> = [];
  for (let round = 0; round < rounds; round++) {
    const { received: base } = await processes.stats();
    const { id, ackAt } = await createPost(`round ${round}`);
    await until(async () => (await processes.stats()).received >= base + viewers, `round ${round}`, 60_000, 10).catch(
      () => undefined,
    );
    const latencies = (await processes.collect(id)).map((at) => Math.max(0, at - ackAt));
    all.push(...latencies);
    perRound.push({ ...summarize(latencies), missing: viewers - latencies.length });
    await new Promise((r) => setTimeout(r, 300));
  }
  const stats = await processes.stats();
  const routerDelivery = histogramQuantiles(histogramBefore, await scrapeHistogram(metricsUrl, LATENCY));
  const report = {
    scenario: "subscriptions: feedUpdated per viewer (not shared), one author posting",
    mode: "embedded (PGlite, in-process bus)",
    viewers,
    setupSeconds: Number(setupSeconds.toFixed(1)),
    upstreamSubscriptions: upstream,
    rounds,
    ackToDelivered: summarize(all),
    /** The router's own part: event received from the posts subgraph → written to the client (its histogram). */
    routerReceivedToSent: routerDelivery,
    perRound,
    clientErrors: stats.errors,
    clientCloses: stats.closeCodes,
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "subscriptions-feed.json"), JSON.stringify(report, null, 2));
  const a = report.ackToDelivered;
  console.log(
    [
      `${viewers} viewers with their own feedUpdated (${report.mode}); ${upstream} upstream subscriptions`,
      `createPost ack → event at each follower, ${rounds} posts: p50 ${a.p50Ms} ms, p90 ${a.p90Ms} ms, p99 ${a.p99Ms} ms, max ${a.maxMs} ms`,
      `router's part (event from posts → sent to client, histogram buckets): p50 ${routerDelivery.p50}, p99 ${routerDelivery.p99}`,
      `client errors ${stats.errors}; closes ${JSON.stringify(stats.closeCodes)}; missing per round ${perRound.map((r) => r.missing).join(",")}`,
    ].join("\n"),
  );
} finally {
  await processes.close();
  await stack.stop();
}
