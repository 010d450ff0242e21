// `counters(keys:)` with 100 keys: Redis round trips per request (the subgraph's own count, cross-checked with Redis's
// INFO stats) and latency, through the router and on the counters subgraph directly, same run:
//   npx tsx loadtest/src/counters-batch-read.ts [--connections 100] [--duration 10] [--rounds 2] [--keys 100]
// The router's response cache and fetch deduplication are off: every request must reach Redis.
// Writes loadtest/results/counters-batch-read.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { cpuTable, measure, summarize, type Measurement } from "./measure.ts";
import { createBenchViewer, startCountersBenchStack, scrape } from "./counters-bench-stack.ts";
import { repoRoot } from "./process-stack.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    keys: { type: "string", default: "100" },
  },
});
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);
const keyCount = Number(values.keys);

const QUERY = "query Counters($keys: [CounterKey!]!) { counters(keys: $keys) { resourceId type value } }";
const bench = await startCountersBenchStack({ RESPONSE_CACHE_ENABLED: "false", SUBGRAPH_FETCH_DEDUPE: "false" });
const redis = new Redis(bench.services.redisUrl);
try {
  // Shares count only for live posts, by signed-in viewers: half the keys are posts of a bench viewer (their SHARE
  // counters seeded below); the other half are VIEW counters of ids never counted (reads take any id).
  const viewer = await createBenchViewer(bench.stack.routerUrl, Math.ceil(keyCount / 2));
  const keys = Array.from({ length: keyCount }, (_, i) =>
    i % 2 ? { resourceId: `bench-post-${i}`, type: "VIEW" } : { resourceId: viewer.postIds[i / 2]!, type: "SHARE" },
  );
  const body = JSON.stringify({ query: QUERY, variables: { keys } });
  // Half the counters hold values; the rest were never counted (read as 0 without a rebuild once Redis is warm).
  for (const [i, key] of keys.entries()) {
    if (i % 2) continue;
    const response = await fetch(bench.stack.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${viewer.token}` },
      body: JSON.stringify({
        query: "mutation ($input: IncrementCounterInput!) { incrementCounter(input: $input) { value } }",
        variables: { input: { ...key, delta: i + 1 } },
      }),
    });
    const seeded = (await response.json()) as { errors?: unknown[] };
    if (!response.ok || seeded.errors) throw new Error(`seeding failed: ${response.status} ${JSON.stringify(seeded.errors)}`);
  }
  const counters = async () => ({
    http: await scrape(bench.metricsUrl, "plaza_counters_http_request_duration_seconds_count", { route: "/graphql" }),
    reads: await scrape(bench.metricsUrl, "plaza_counters_redis_round_trips_total", { operation: "read" }),
    allTrips: await scrape(bench.metricsUrl, "plaza_counters_redis_round_trips_total"),
    redisCommands: Number(/total_commands_processed:(\d+)/.exec(await redis.info("stats"))?.[1] ?? 0),
  });

  const targets = [
    { name: "counters subgraph direct", url: bench.countersUrl, body, sign: bench.routerSignature },
    { name: "through the router", url: bench.stack.routerUrl, body },
  ];
  const results = [];
  for (const target of targets) {
    await measure(target, { connections, durationSeconds: 2 }); // warm-up
    const before = await counters();
    const runs: Measurement[] = [];
    for (let round = 0; round < rounds; round++) runs.push(await measure(target, { connections, durationSeconds }));
    const after = await counters();
    const requests = after.http - before.http;
    results.push({
      ...summarize(target.name, runs),
      subgraphRequests: requests,
      redisReadRoundTripsPerRequest: Number(((after.reads - before.reads) / requests).toFixed(3)),
      redisRoundTripsPerRequest: Number(((after.allTrips - before.allTrips) / requests).toFixed(3)),
      // Everything Redis executed (including other services' background work), per request.
      redisCommandsPerRequest: Number(((after.redisCommands - before.redisCommands) / requests).toFixed(3)),
    });
  }
  const report = {
    scenario: `counters(keys: ${keyCount})`,
    mode: "postgres+redis+kafka (throw-away, loopback); response cache and fetch dedupe off",
    connections,
    durationSeconds,
    rounds,
    results,
    routerToDirectRatio: Number((results[1]!.requestsPerSecond / results[0]!.requestsPerSecond).toFixed(3)),
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "counters-batch-read.json"), JSON.stringify(report, null, 2));
  console.log(
    [
      `| target | req/s | p50 ms | p99 ms | Redis round trips / request | Redis commands / request | errors |`,
      `|---|---|---|---|---|---|---|`,
      ...results.map(
        (r) =>
          `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.redisRoundTripsPerRequest} | ${r.redisCommandsPerRequest} | ${r.errors} |`,
      ),
      ``,
      ...cpuTable(results),
      ``,
      `router / direct req/s = ${report.routerToDirectRatio} (${connections} connections, ${keyCount} keys per request)`,
    ].join("\n"),
  );
} finally {
  redis.disconnect();
  await bench.stop();
}
