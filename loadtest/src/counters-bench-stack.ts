// The stack the counters benchmarks run against: throw-away Postgres (users, posts and counters shards), Redis and
// Kafka, and `npm start` on them in a child process (so the load generator does not share its event loop).
import { routerSignature } from "./router-signature.ts";
import { isolatedSubgraphEnv, startBenchServices, type BenchServices } from "./bench-services.ts";
import { freePort, startProcessStack, startScript, type ProcessStack, type ProcessStackOptions } from "./process-stack.ts";

export interface CountersBenchStack {
  stack: ProcessStack;
  services: BenchServices;
  countersUrl: string;
  /** The counters subgraph's /metrics. */
  metricsUrl: string;
  /** The header that lets a benchmark call the counters subgraph directly: signs a body as the router does (anonymous). */
  routerSignature: (body: string) => Record<string, string>;
  /** The same for a signed-in viewer (incrementCounter needs one). */
  signedAs(viewerId: string): (body: string) => Record<string, string>;
  stop(): Promise<void>;
}

export async function startCountersBenchStack(
  extraEnv: Record<string, string> = {},
  options: ProcessStackOptions = {},
): Promise<CountersBenchStack> {
  const services = await startBenchServices();
  try {
    // Fresh databases for every subgraph and free ports, so nothing falls back to `.env` (the child reads it).
    const isolated = await isolatedSubgraphEnv(services);
    const countersPort = isolated.COUNTERS_PORT ?? String(await freePort());
    const stack = await startProcessStack(
      {
        ...isolated,
        REDIS_URL: services.redisUrl,
        REDIS_KEY_PREFIX: "bench:",
        KAFKA_BROKERS: services.kafkaBrokers.join(","),
        KAFKA_GROUP_PREFIX: "bench.",
        COUNTERS_PORT: countersPort,
        SEED_DEMO_DATA: "false",
        // One bench viewer increments the same posts thousands of times a second: the per-viewer limiter runs on
        // every call (its cost is measured) but never refuses.
        ...BENCH_COUNTER_LIMITS,
        ...extraEnv,
      },
      options,
    );
    const countersUrl = `http://127.0.0.1:${countersPort}/graphql`;
    return {
      stack,
      services,
      countersUrl,
      metricsUrl: `http://127.0.0.1:${countersPort}/metrics`,
      routerSignature: routerSignature(stack.env.INTERNAL_AUTH_KEY!, "counters"),
      signedAs: (viewerId) => routerSignature(stack.env.INTERNAL_AUTH_KEY!, "counters", { viewerId }),
      async stop() {
        await stack.stop();
        await services.stop();
      },
    };
  } catch (err) {
    await services.stop();
    throw err;
  }
}

/** Counter limits for benchmarks: the limiter still runs on every increment, but never refuses one. */
export const BENCH_COUNTER_LIMITS: Record<string, string> = {
  COUNTER_MAX_DELTA: "1000",
  COUNTERS_VIEW_RATE_LIMIT: "1000000000",
  COUNTERS_VIEW_RATE_WINDOW_MS: "1000",
  COUNTERS_SHARE_RATE_LIMIT: "1000000000",
  COUNTERS_SHARE_RATE_WINDOW_MS: "1000",
};

export interface BenchViewer {
  id: string;
  token: string;
  /** Live posts the counters subgraph knows (views and shares count only for those). */
  postIds: string[];
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T | null; errors?: Array<{ message: string }> };
}

/**
 * `incrementCounter` counts views and shares of live posts by signed-in viewers: a user signed up through the
 * router, with `posts` posts of theirs, once the counters subgraph has projected every one of them.
 */
export async function createBenchViewer(routerUrl: string, posts: number): Promise<BenchViewer> {
  const handle = `bench${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 30);
  const signUp = await gql<{ signUp: { token: string; user: { id: string } } }>(
    routerUrl,
    "mutation ($i: SignUpInput!) { signUp(input: $i) { token user { id } } }",
    { i: { email: `${handle}@example.com`, password: "correct-horse-9", handle, displayName: "Bench" } },
  );
  if (!signUp.data) throw new Error(`bench sign-up failed: ${JSON.stringify(signUp.errors)}`);
  const { token, user } = signUp.data.signUp;
  const postIds: string[] = [];
  for (let i = 0; i < posts; i++) {
    const created = await gql<{ createPost: { id: string } }>(
      routerUrl,
      "mutation ($b: String!) { createPost(input: { body: $b }) { id } }",
      { b: `bench post ${i}` },
      token,
    );
    if (!created.data) throw new Error(`bench createPost failed: ${JSON.stringify(created.errors)}`);
    postIds.push(created.data.createPost.id);
  }
  // The counters subgraph learns of posts from PostCreated events: likePost answers once it knows one.
  const deadline = Date.now() + 120_000;
  for (const id of postIds) {
    for (;;) {
      const liked = await gql(routerUrl, "mutation ($id: ID!) { likePost(postId: $id) { id } }", { id }, token);
      if (!liked.errors) break;
      if (Date.now() > deadline) throw new Error(`post ${id} never reached the counters subgraph: ${liked.errors[0]?.message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await gql(routerUrl, "mutation ($id: ID!) { unlikePost(postId: $id) { id } }", { id }, token);
  }
  return { id: user.id, token, postIds };
}

export interface IncrementFloor {
  /** bare-counters.ts: the durable increment behind a bare HTTP server. */
  directUrl: string;
  /** bare-proxy.ts in front of it: one bare HTTP hop, where the router would be. */
  proxiedUrl: string;
  stop(): Promise<void>;
}

/**
 * What `incrementCounter` costs without GraphQL, beside the stack, on the same broker, Redis and Postgres: the
 * counters service's own increment (its databases, Redis prefix and Kafka topic apart) behind bare node:http, and a
 * bare forwarding hop in front of it.
 */
export async function startIncrementFloor(bench: CountersBenchStack, viewer: BenchViewer): Promise<IncrementFloor> {
  const [servicePort, countersPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  const counters = await startScript("loadtest/src/bare-counters.ts", countersPort, {
    ...bench.stack.env,
    COUNTERS_DATABASE_SHARD_URLS: (await bench.services.createDatabases("bench_bare_counters", 2)).join(","),
    COUNTERS_PORT: String(servicePort),
    REDIS_KEY_PREFIX: "bare:",
    KAFKA_GROUP_PREFIX: "bare.",
    BARE_PORT: String(countersPort),
    // Its own post projection (own databases) learns the bench posts from the script itself.
    BARE_VIEWER_ID: viewer.id,
    BARE_POST_IDS: viewer.postIds.join(","),
  });
  try {
    const proxy = await startScript("loadtest/src/bare-proxy.ts", proxyPort, {
      ...(process.env as Record<string, string>),
      BARE_PORT: String(proxyPort),
      BARE_UPSTREAM: counters.url,
    });
    return {
      directUrl: counters.url,
      proxiedUrl: proxy.url,
      async stop() {
        await proxy.stop();
        await counters.stop();
      },
    };
  } catch (err) {
    await counters.stop();
    throw err;
  }
}

/** Sums the samples of one Prometheus metric whose labels contain every `match` pair. */
export async function scrape(metricsUrl: string, metric: string, match: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(metric)) continue;
    const rest = line.slice(metric.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    if (!Object.entries(match).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}
