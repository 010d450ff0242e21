// Entity representation dedupe on and off (SUBGRAPH_ENTITY_DEDUPE), same run: two Plaza routers over the e-commerce
// subgraphs, the nested query at 20 connections, rounds interleaved; req/s and CPU µs per request by process.
//   npx tsx loadtest/src/entity-dedupe.ts [--connections 20] [--duration 5] [--rounds 3]
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { ECOMMERCE_QUERY } from "./ecommerce/query.ts";
import { startEcommerceSubgraphs } from "./ecommerce/start-ecommerce.ts";
import { compare, cpuTable, resultsTable } from "./measure.ts";
import { freePort, startScript } from "./process-stack.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "20" },
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
  },
});

const subgraphs = await startEcommerceSubgraphs();
const routers: Array<{ name: string; url: string; stop(): Promise<void> }> = [];
try {
  for (const entityDedupe of ["on", "off"]) {
    const port = await freePort();
    const router = await startScript("router/src/index.ts", port, {
      ...(process.env as Record<string, string>),
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      REDIS_URL: "",
      KAFKA_BROKERS: "",
      JWT_SECRET: randomBytes(32).toString("hex"),
      INTERNAL_AUTH_KEY: randomBytes(32).toString("hex"),
      SUPERGRAPH_PATH: subgraphs.supergraphPath,
      ROUTER_PORT: String(port),
      ROUTER_MAX_COST: "0", // the nested query is over the default cost limit (see the bench's README section)
      ROUTER_RATE_LIMIT_PER_IP: "0",
      RESPONSE_CACHE_ENABLED: "false",
      ROUTER_INBOUND_DEDUPE: "false",
      SUBGRAPH_ENTITY_DEDUPE: String(entityDedupe === "on"),
      BENCH_PROCESS_LABEL: `router-entity-dedupe-${entityDedupe}`,
    });
    routers.push({ name: `entity dedupe ${entityDedupe}`, url: `${router.url}/graphql`, stop: router.stop });
  }
  const body = JSON.stringify({ query: ECOMMERCE_QUERY, operationName: "TestQuery" });
  const results = await compare(
    routers.map((router) => ({ name: router.name, url: router.url, body, countGraphQLErrors: true })),
    {
      connections: Number(values.connections),
      durationSeconds: Number(values.duration),
      rounds: Number(values.rounds),
      settle: true,
    },
  );
  console.log([...resultsTable(results), "", ...cpuTable(results)].join("\n"));
} finally {
  await Promise.allSettled(routers.map((router) => router.stop()));
  await subgraphs.stop();
}
