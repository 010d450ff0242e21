// `feed(first: 20)` through the router for a viewer following 200 authors with 50 posts each, against `post(id)` in
// the same run, 50 concurrent connections:
//   npx tsx loadtest/src/feed-read.ts [--authors 200] [--posts-per-author 50] [--connections 50] [--duration 10] [--rounds 2]
//     [--topology split|single]   split (default): router and each subgraph in its own process, as deployed
//     [--limits-off true|false]   true (default): also two more routers started alike over the same subgraphs, one
//                                 with every protection off (operation limits, JSON depth, CSRF, rate limits): what
//                                 the protections cost, same run
// Starts throw-away Postgres (two shards per subgraph), Redis and Kafka, runs `npm start` against them in a child
// process, seeds through the public API (sign-ups, follows, createPost — fanned out through Kafka), then measures.
// The router's response cache and in-flight dedupe are disabled: a home feed is per viewer and changes with every post
// of a followee, so every request here must do the work a distinct viewer's request would.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { routerSignature } from "./router-signature.ts";
import { isolatedSubgraphEnv, startBenchServices } from "./bench-services.ts";
import { compare, cpuTable, resultsTable } from "./measure.ts";
import { repoRoot, ROUTER_LIMITS_OFF, startProcessStack, startRouterVariant, type ProcessStack } from "./process-stack.ts";
import { seedFollowedAuthors } from "./public-api.ts";

const { values } = parseArgs({
  options: {
    authors: { type: "string", default: "200" },
    "posts-per-author": { type: "string", default: "50" },
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    topology: { type: "string", default: "split" },
    "limits-off": { type: "string", default: "true" },
  },
});
const authorCount = Number(values.authors);
const postsPerAuthor = Number(values["posts-per-author"]);
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);
const topology = values.topology === "single" ? "single" : "split";

const FEED =
  "query Feed { feed(first: 20) { edges { cursor node { id body createdAt author { id } } } pageInfo { hasNextPage endCursor } } }";
const POST = "query PostById($id: ID!) { post(id: $id) { id body createdAt author { id } } }";

const services = await startBenchServices();
let stack: ProcessStack | undefined;
let limitsOff: Awaited<ReturnType<typeof startRouterVariant>> | undefined;
let limitsOn: Awaited<ReturnType<typeof startRouterVariant>> | undefined;
try {
  stack = await startProcessStack(
    {
      ...(await isolatedSubgraphEnv(services)),
      REDIS_URL: services.redisUrl,
      REDIS_KEY_PREFIX: "bench:",
      KAFKA_BROKERS: services.kafkaBrokers.join(","),
      KAFKA_GROUP_PREFIX: "bench.",
      SEED_DEMO_DATA: "false",
      RESPONSE_CACHE_ENABLED: "false",
      // Real traffic is many viewers and many ids: 50 identical in-flight requests must not collapse into one fetch.
      SUBGRAPH_FETCH_DEDUPE: "false",
      // Seeding signs up 201 users; a cheaper argon2 keeps that quick and does not touch what is measured.
      ARGON2_MEMORY_KIB: "4096",
      ARGON2_TIME_COST: "1",
    },
    { topology },
  );

  const routerUrl = stack.routerUrl;
  const seedStarted = performance.now();
  const { viewer, newestPostIds: newest } = await seedFollowedAuthors(routerUrl, {
    authors: authorCount,
    postsPerAuthor,
    handlePrefix: `b${Date.now().toString(36)}`,
    feedSize: 100,
  });
  const seedSeconds = Math.round((performance.now() - seedStarted) / 1000);
  console.log(`seeded ${authorCount} authors × ${postsPerAuthor} posts, followed by one viewer, in ${seedSeconds} s`);

  const auth = { authorization: `Bearer ${viewer.token}` };
  // The same operations on the posts subgraph directly (signed like the router does), to split router from subgraph cost.
  const direct = routerSignature(stack.env.INTERNAL_AUTH_KEY!, "posts", { viewerId: viewer.id });
  if (values["limits-off"] === "true") {
    // Two routers started the same way, differing only in the protections (the stack's own router served the seeding).
    limitsOn = await startRouterVariant(stack, {});
    limitsOff = await startRouterVariant(stack, ROUTER_LIMITS_OFF);
  }
  const results = await compare(
    [
      { name: "feed(first: 20)", url: routerUrl, body: JSON.stringify({ query: FEED, operationName: "Feed" }), headers: auth },
      ...(limitsOn && limitsOff
        ? [
            {
              name: "feed(first: 20), second router, limits on",
              url: limitsOn.url,
              body: JSON.stringify({ query: FEED, operationName: "Feed" }),
              headers: auth,
            },
            {
              name: "feed(first: 20), second router, limits off",
              url: limitsOff.url,
              body: JSON.stringify({ query: FEED, operationName: "Feed" }),
              headers: auth,
            },
          ]
        : []),
      {
        name: "post(id)",
        url: routerUrl,
        body: JSON.stringify({ query: POST, operationName: "PostById", variables: { id: newest[0] } }),
        headers: auth,
      },
      {
        name: "feed(first: 20), posts subgraph direct",
        url: stack.postsUrl,
        body: JSON.stringify({ query: FEED, operationName: "Feed" }),
        sign: direct,
      },
      {
        name: "post(id), posts subgraph direct",
        url: stack.postsUrl,
        body: JSON.stringify({ query: POST, operationName: "PostById", variables: { id: newest[0] } }),
        sign: direct,
      },
    ],
    { connections, durationSeconds, rounds },
  );
  const byName = (name: string) => results.find((result) => result.name === name)!;
  const [feed, post, feedDirect, postDirect] = [
    byName("feed(first: 20)"),
    byName("post(id)"),
    byName("feed(first: 20), posts subgraph direct"),
    byName("post(id), posts subgraph direct"),
  ];
  const feedLimitsOn = limitsOn && byName("feed(first: 20), second router, limits on");
  const feedLimitsOff = limitsOff && byName("feed(first: 20), second router, limits off");
  const report = {
    scenario: "feed(first: 20) vs post(id) through the router",
    topology,
    viewerFollows: authorCount,
    postsPerAuthor,
    connections,
    durationSeconds,
    rounds,
    results,
    feedToPostRatio: Number((feed.requestsPerSecond / post.requestsPerSecond).toFixed(3)),
    directFeedToPostRatio: Number((feedDirect.requestsPerSecond / postDirect.requestsPerSecond).toFixed(3)),
    limitsOnToOffRatio:
      feedLimitsOn && feedLimitsOff && Number((feedLimitsOn.requestsPerSecond / feedLimitsOff.requestsPerSecond).toFixed(3)),
    targetFeedP99Ms: 50,
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "feed-read.json"), JSON.stringify(report, null, 2));
  console.log(
    [
      ...resultsTable(results),
      ``,
      ...cpuTable(results),
      ``,
      `feed / post(id) req/s = ${report.feedToPostRatio} through the router, ${report.directFeedToPostRatio} on the subgraph (${connections} connections; target p99 ≤ ${report.targetFeedP99Ms} ms)`,
      ...(feedLimitsOff ? [`feed req/s, limits on / off = ${report.limitsOnToOffRatio}`] : []),
    ].join("\n"),
  );
} finally {
  await limitsOff?.stop();
  await limitsOn?.stop();
  await stack?.stop();
  await services.stop();
}
