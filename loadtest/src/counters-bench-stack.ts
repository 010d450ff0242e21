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
  /** The header that lets a benchmark call the counters subgraph directly: signs a body as the router does. */
  routerSignature: (body: string) => Record<string, string>;
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
export async function startIncrementFloor(bench: CountersBenchStack): Promise<IncrementFloor> {
  const [servicePort, countersPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  const counters = await startScript("loadtest/src/bare-counters.ts", countersPort, {
    ...bench.stack.env,
    COUNTERS_DATABASE_SHARD_URLS: (await bench.services.createDatabases("bench_bare_counters", 2)).join(","),
    COUNTERS_PORT: String(servicePort),
    REDIS_KEY_PREFIX: "bare:",
    KAFKA_GROUP_PREFIX: "bare.",
    BARE_PORT: String(countersPort),
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
