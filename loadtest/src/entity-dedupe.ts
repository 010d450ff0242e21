// Entity representation dedupe on and off (SUBGRAPH_ENTITY_DEDUPE), same run: two Plaza routers over the e-commerce
// subgraphs, the nested query at 20 connections, rounds interleaved; req/s and CPU µs per request by process.
//   npx tsx loadtest/src/entity-dedupe.ts [--connections 20] [--duration 5] [--rounds 3]
import { parseArgs } from "node:util";
import { ECOMMERCE_QUERY } from "./ecommerce/query.ts";
import { startEcommerceRouter, startEcommerceSubgraphs } from "./ecommerce/start-ecommerce.ts";
import { compare, cpuTable, resultsTable } from "./measure.ts";

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
    const router = await startEcommerceRouter(subgraphs.supergraphPath, {
      RESPONSE_CACHE_ENABLED: "false",
      ROUTER_INBOUND_DEDUPE: "false",
      SUBGRAPH_ENTITY_DEDUPE: String(entityDedupe === "on"),
      BENCH_PROCESS_LABEL: `router-entity-dedupe-${entityDedupe}`,
    });
    routers.push({ name: `entity dedupe ${entityDedupe}`, ...router });
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
