import { execute, parse } from "graphql";
import { compileQuery, isCompiledQuery } from "graphql-jit";
import { processRegularResult } from "graphql-yoga";
import { createHealth, createMetrics, createLogger } from "@plaza/kit";
import { buildCountersApp } from "./subgraphs/counters/src/app.ts";
import { createCountersMetrics } from "./subgraphs/counters/src/metrics.ts";

const counters = { increment: async (input: any) => ({ resourceId: input.resourceId, type: input.type, value: 1 }) } as never;
const metrics = createMetrics("counters");
const app = buildCountersApp({ counters, changes: {} as never, logger: createLogger({ service: "x", level: "warn" }), metrics,
  countersMetrics: createCountersMetrics(metrics), health: createHealth(), internalAuthKey: "k".repeat(64), batchLimit: 500, updatesPerSecond: 10 });
const yoga = app.yoga as any;
const MUTATION = "mutation Increment($input: IncrementCounterInput!) { incrementCounter(input: $input) { value } }";
const bodies = Array.from({ length: 100 }, (_, i) => JSON.stringify({ query: MUTATION, variables: { input: { resourceId: `p-${i}`, type: "VIEW", delta: 1 } } }));
const capture = { Response: class { constructor(readonly body: string, readonly init: unknown) {} } };
const N = 50000;
async function bench(name: string, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 5000; i++) await fn(i);
  const c0 = process.cpuUsage();
  const W = Number(process.env.W ?? 1);
  let next = 0;
  await Promise.all(Array.from({ length: W }, async () => { while (next < N) { const i = next++; await fn(i); if (W > 1) await new Promise((r) => setImmediate(r)); } }));
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(28), ((c.user + c.system) / N).toFixed(2), "µs");
}
const doc = parse(MUTATION);
const schema = yoga.getEnveloped({}).schema;
const ctx = { viewerId: null, counterLoader: { clear: () => ({ prime: () => 0 }) }, services: { counters } };
const compiled = compileQuery(schema, doc, "Increment");
const ONLY = process.env.ONLY;
for (let r = 0; r < 2; r++) {
  if (ONLY) { await bench("lane (envelop)", async (i) => { const params = JSON.parse(bodies[i % 100]!); const env = yoga.getEnveloped({ plazaIdentity: { viewerId: null }, plazaRequestId: "r", params }); const document = env.parse(params.query); env.validate(env.schema, document); const contextValue = await env.contextFactory(); const result = await env.execute({ schema: env.schema, document, contextValue, variableValues: params.variables, operationName: params.operationName }); return processRegularResult(result, capture as never, "application/json"); }); continue; }
  await bench("lane (envelop)", async (i) => {
    const params = JSON.parse(bodies[i % 100]!);
    const env = yoga.getEnveloped({ plazaIdentity: { viewerId: null }, plazaRequestId: "r", params });
    const document = env.parse(params.query);
    env.validate(env.schema, document);
    const contextValue = await env.contextFactory();
    const result = await env.execute({ schema: env.schema, document, contextValue, variableValues: params.variables, operationName: params.operationName });
    return processRegularResult(result, capture as never, "application/json");
  });
  await bench("graphql-js execute", async (i) => {
    const params = JSON.parse(bodies[i % 100]!);
    const result = await execute({ schema, document: doc, contextValue: { ...ctx }, variableValueS: undefined, variableValues: params.variables } as never);
    return JSON.stringify(result);
  });
  if (isCompiledQuery(compiled)) await bench("graphql-jit", async (i) => {
    const params = JSON.parse(bodies[i % 100]!);
    const result = await compiled.query(undefined, { ...ctx }, params.variables);
    return JSON.stringify(result);
  });
  await bench("stub only", async (i) => {
    const params = JSON.parse(bodies[i % 100]!);
    return JSON.stringify({ data: { incrementCounter: { value: (await (counters as any).increment(params.variables.input)).value } } });
  });
}
process.exit(0);
