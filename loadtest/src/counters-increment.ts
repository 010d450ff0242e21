// `incrementCounter` through the router against the counters subgraph hit directly, same run, 100 connections:
//   npx tsx loadtest/src/counters-increment.ts [--connections 100] [--duration 10] [--rounds 2] [--keys 100] [--warmup 3]
//     [--floor true|false] [--stock true|false] [--topology split|single]
//   --floor (default true): also measures the same durable increment without GraphQL (bare-counters.ts) and behind
//                           a bare forwarding hop (bare-proxy.ts), same run: the floor this box allows.
//   --stock (default true): also stock Apollo Gateway (@apollo/gateway + @apollo/server) over the same subgraphs.
//   --limits-off (default true): also two more Plaza routers started alike over the same subgraphs, one with every
//                           protection off (operation limits, JSON depth, CSRF, rate limits): their cost, same run.
//   --topology   split (default): router and each subgraph in its own process, as deployed;
//                                 single: `npm start`, everything in one process
// Every acknowledged increment went to Kafka (acks=all) and Redis first: this measures the durable write path.
// Starts throw-away Postgres, Redis and Kafka and `npm start` on them; writes loadtest/results/counters-increment.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  createBenchViewer,
  startCountersBenchStack,
  startIncrementFloor,
  scrape,
  type IncrementFloor,
} from "./counters-bench-stack.ts";
import { repoRoot, ROUTER_LIMITS_OFF, startRouterVariant, startStockApolloGateway } from "./process-stack.ts";
import { compare, cpuTable, resultsTable, type Target } from "./measure.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    warmup: { type: "string", default: "3" },
    keys: { type: "string", default: "100" },
    "response-cache": { type: "string", default: "true" },
    topology: { type: "string", default: "split" },
    floor: { type: "string", default: "true" },
    stock: { type: "string", default: "true" },
    "limits-off": { type: "string", default: "true" },
  },
});
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);
const keyCount = Number(values.keys);

const MUTATION = "mutation Increment($input: IncrementCounterInput!) { incrementCounter(input: $input) { value } }";

const topology = values.topology === "single" ? "single" : "split";
const bench = await startCountersBenchStack({ RESPONSE_CACHE_ENABLED: values["response-cache"]! }, { topology });
let floor: IncrementFloor | undefined;
let stock: Awaited<ReturnType<typeof startStockApolloGateway>> | undefined;
let limitsOff: Awaited<ReturnType<typeof startRouterVariant>> | undefined;
let limitsOn: Awaited<ReturnType<typeof startRouterVariant>> | undefined;
try {
  // Views count only for live posts, by signed-in viewers: one bench viewer and `keyCount` posts of theirs (the
  // stack's per-viewer limits are set never to refuse: see counters-bench-stack.ts).
  const viewer = await createBenchViewer(bench.stack.routerUrl, keyCount);
  /**
   * The request bodies, one per counter: each connection cycles through them, so requests increment the `keyCount`
   * counters in turn, as views of many posts would. Built once, so the load generator (on the same two cores)
   * spends nothing per request on building them.
   */
  const bodies = viewer.postIds.map((resourceId) =>
    JSON.stringify({ query: MUTATION, variables: { input: { resourceId, type: "VIEW", delta: 1 } } }),
  );
  if (values.floor === "true") floor = await startIncrementFloor(bench, viewer);
  if (values.stock === "true") stock = await startStockApolloGateway(bench.stack, { STOCK_GATEWAY_VIEWER_ID: viewer.id });
  if (values["limits-off"] === "true") {
    // Two routers started the same way, differing only in the protections: the stack's own router has served the
    // seeding and is warmer, so it is not the baseline.
    limitsOn = await startRouterVariant(bench.stack, {});
    limitsOff = await startRouterVariant(bench.stack, ROUTER_LIMITS_OFF);
  }
  const direct: Target = {
    name: "counters subgraph direct",
    url: bench.countersUrl,
    body: bodies,
    sign: bench.signedAs(viewer.id),
  };
  const routed: Target = {
    name: "through the router",
    url: bench.stack.routerUrl,
    body: bodies,
    headers: { authorization: `Bearer ${viewer.token}` },
  };
  const limited: Target | undefined = limitsOn && {
    name: "second router, limits on",
    url: limitsOn.url,
    body: bodies,
    headers: { authorization: `Bearer ${viewer.token}` },
  };
  const unlimited: Target | undefined = limitsOff && {
    name: "second router, limits off",
    url: limitsOff.url,
    body: bodies,
    headers: { authorization: `Bearer ${viewer.token}` },
  };
  const stockRouted: Target | undefined = stock && { name: "stock Apollo Gateway", url: stock.url, body: bodies };
  const bareDirect: Target | undefined = floor && { name: "floor: bare increment direct", url: floor.directUrl, body: bodies };
  const bareProxied: Target | undefined = floor && {
    name: "floor: bare increment via bare hop",
    url: floor.proxiedUrl,
    body: bodies,
  };
  const targets = [direct, routed, limited, unlimited, stockRouted, bareDirect, bareProxied].filter(
    (t): t is Target => t !== undefined,
  );
  // A refused increment is a fast 200 with errors, which the load generator would count as a success: every target
  // must count one first.
  for (const target of targets) {
    const response = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...target.headers, ...target.sign?.(bodies[0]!) },
      body: bodies[0],
    });
    const result = (await response.json()) as { data?: { incrementCounter?: { value?: unknown } }; errors?: unknown };
    if (typeof result.data?.incrementCounter?.value !== "number")
      throw new Error(`${target.name} does not increment: ${response.status} ${JSON.stringify(result)}`);
  }
  // Warm-up per target: JIT (the Kafka broker's JVM takes longest), connection pools, the Kafka producer.
  const results = await compare(targets, { connections, durationSeconds, rounds, warmUpSeconds: Number(values.warmup) });
  const resultOf = (target: Target) => results[targets.indexOf(target)]!;
  const ratio = (a: { requestsPerSecond: number }, b: { requestsPerSecond: number }) =>
    Number((a.requestsPerSecond / b.requestsPerSecond).toFixed(3));
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
    routerToDirectRatio: ratio(resultOf(routed), resultOf(direct)),
    // How close each GraphQL path comes to the same work without GraphQL.
    directToFloorRatio: bareDirect && ratio(resultOf(direct), resultOf(bareDirect)),
    routerToFloorRatio: bareProxied && ratio(resultOf(routed), resultOf(bareProxied)),
    routerToStockGatewayRatio: stockRouted && ratio(resultOf(routed), resultOf(stockRouted)),
    limitsOnToOffRatio: limited && unlimited && ratio(resultOf(limited), resultOf(unlimited)),
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
      ...cpuTable(results),
      ``,
      `router / direct req/s = ${report.routerToDirectRatio} (${connections} connections, ${keyCount} counters, ` +
        `${report.kafkaEventsPerProduceRequest} events per Kafka produce request)`,
      ...(stock ? [`router / stock Apollo Gateway = ${report.routerToStockGatewayRatio}`] : []),
      ...(limitsOff ? [`router req/s, limits on / off = ${report.limitsOnToOffRatio}`] : []),
      ...(floor
        ? [
            `counters direct / bare increment = ${report.directToFloorRatio}; ` +
              `router / bare increment via bare hop = ${report.routerToFloorRatio}`,
          ]
        : []),
    ].join("\n"),
  );
} finally {
  await limitsOff?.stop();
  await limitsOn?.stop();
  await stock?.stop();
  await floor?.stop();
  await bench.stop();
}
