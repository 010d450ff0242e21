// `incrementCounter` through the router against the counters subgraph hit directly, same run, 100 connections:
//   npx tsx loadtest/src/counters-increment.ts [--connections 100] [--duration 10] [--rounds 2] [--keys 100]
//     [--topology split|single]   split (default): router and each subgraph in its own process, as deployed;
//                                 single: `npm start`, everything in one process
// Every acknowledged increment went to Kafka (acks=all) and Redis first: this measures the durable write path.
// Starts throw-away Postgres, Redis and Kafka and `npm start` on them; writes loadtest/results/counters-increment.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startCountersBenchStack, scrape } from "./counters-bench-stack.ts";
import { repoRoot } from "./process-stack.ts";
import { cpuTable, resultsTable } from "./measure.ts";
import { withCpu } from "./process-cpu.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    keys: { type: "string", default: "100" },
    "response-cache": { type: "string", default: "true" },
    topology: { type: "string", default: "split" },
  },
});
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);
const keyCount = Number(values.keys);

const MUTATION = "mutation Increment($input: IncrementCounterInput!) { incrementCounter(input: $input) { value } }";

interface Result {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  requests: number;
  /** CPU ms each process (router, counters, java = Kafka, redis-server, postgres, this load generator) spent. */
  cpuMs: Map<string, number>;
}

/**
 * The request bodies, one per counter: each connection cycles through them, so requests increment the `keyCount`
 * counters in turn, as views of many posts would. Built once, so the load generator (on the same two cores) spends
 * nothing per request on building them.
 */
const bodies = Array.from({ length: keyCount }, (_, i) =>
  JSON.stringify({ query: MUTATION, variables: { input: { resourceId: `bench-post-${i}`, type: "VIEW", delta: 1 } } }),
);

/** One bounded run against a loopback target. */
async function run(name: string, url: string, headers: Record<string, string>, seconds: number): Promise<Result> {
  if (!/^http:\/\/127\./.test(url)) throw new Error(`refusing to load a non-loopback target: ${url}`);
  const { result, cpuMs } = await withCpu(process.pid, () =>
    autocannon({
      url,
      method: "POST",
      connections,
      duration: seconds,
      headers: { "content-type": "application/json", ...headers },
      requests: bodies.map((body) => ({ body })),
    }),
  );
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
    cpuMs,
  };
}

/** CPU µs per request by process over a target's rounds (processes under 1 µs per request are left out). */
function cpuPerRequest(list: readonly Result[]): Record<string, number> {
  const requests = list.reduce((s, r) => s + r.requests, 0);
  const totals = new Map<string, number>();
  for (const r of list) for (const [label, ms] of r.cpuMs) totals.set(label, (totals.get(label) ?? 0) + ms);
  const perRequest = [...totals].map(([label, ms]) => [label, (ms * 1000) / Math.max(1, requests)] as const);
  return Object.fromEntries(perRequest.filter(([, us]) => us >= 1).map(([label, us]) => [label, Math.round(us)]));
}

const topology = values.topology === "single" ? "single" : "split";
const bench = await startCountersBenchStack({ RESPONSE_CACHE_ENABLED: values["response-cache"]! }, { topology });
try {
  const targets: Array<[string, string, Record<string, string>]> = [
    ["counters subgraph direct", bench.countersUrl, bench.routerSignature],
    ["through the router", bench.stack.routerUrl, {}],
  ];
  for (const [name, url, headers] of targets) await run(name, url, headers, 3); // warm-up (JIT, pools, Kafka producer)
  const runs = new Map<string, Result[]>(targets.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, url, headers] of targets) runs.get(name)!.push(await run(name, url, headers, durationSeconds));
  }
  const results = targets.map(([name]) => {
    const list = runs.get(name)!;
    const avg = (f: (r: Result) => number) => list.reduce((s, r) => s + f(r), 0) / list.length;
    return {
      name,
      requestsPerSecond: Math.round(avg((r) => r.requestsPerSecond)),
      p50Ms: avg((r) => r.p50Ms),
      p99Ms: avg((r) => r.p99Ms),
      errors: list.reduce((s, r) => s + r.errors, 0),
      requests: list.reduce((s, r) => s + r.requests, 0),
      cpuUsPerRequest: cpuPerRequest(list),
    };
  });
  const [direct, routed] = results as [(typeof results)[0], (typeof results)[0]];
  const appendBatch = {
    requests: await scrape(bench.metricsUrl, "plaza_counters_log_append_batch_events_count"),
    events: await scrape(bench.metricsUrl, "plaza_counters_log_append_batch_events_sum"),
  };
  const report = {
    scenario: "incrementCounter",
    mode: "postgres+redis+kafka (throw-away, loopback)",
    topology,
    responseCache: values["response-cache"] === "true",
    connections,
    durationSeconds,
    rounds,
    keys: keyCount,
    results,
    routerToDirectRatio: Number((routed.requestsPerSecond / direct.requestsPerSecond).toFixed(3)),
    kafkaEventsPerProduceRequest: Number((appendBatch.events / Math.max(1, appendBatch.requests)).toFixed(1)),
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "counters-increment.json"), JSON.stringify(report, null, 2));
  console.log(
    [
      ...resultsTable(results),
      ``,
      ...cpuTable(results, ["router", "counters", "java", "redis-server", "postgres", "counters-increment"]),
      ``,
      `router / direct req/s = ${report.routerToDirectRatio} (${connections} connections, ${keyCount} counters, ` +
        `${report.kafkaEventsPerProduceRequest} events per Kafka produce request)`,
    ].join("\n"),
  );
} finally {
  await bench.stop();
}
