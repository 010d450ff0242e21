import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testInfra } from "@plaza/testkit";
import type { ConformanceQuery, ConformanceSupergraph } from "./corpus-types.ts";
import { CORPUS } from "./corpus/index.ts";
import { differences, plazaConfigurations, send, startSupergraph, type SupergraphEnvironment } from "./harness.ts";

// Differential conformance (issue 13): every query of every supergraph of the corpus, through stock @apollo/gateway
// and through Plaza's router in each configuration; Plaza must answer exactly as stock does (README.md).

const configurations = plazaConfigurations(testInfra().redisUrl);

function report(
  supergraph: ConformanceSupergraph,
  query: ConformanceQuery,
  configuration: string,
  attempt: string,
  expected: { text: string; label: string },
  actual: { status: number; text: string },
  diff: string,
): string {
  return [
    `${supergraph.name} / ${query.name} [${configuration}, ${attempt}] answers differently from ${expected.label}`,
    diff,
    `query: ${query.query.replace(/\s+/g, " ").trim()}`,
    query.variables ? `variables: ${JSON.stringify(query.variables)}` : "",
    `${expected.label}: ${expected.text}`,
    `plaza (HTTP ${actual.status}): ${actual.text}`,
  ]
    .filter(Boolean)
    .join("\n");
}

for (const supergraph of CORPUS) {
  describe(`conformance: ${supergraph.name}`, () => {
    let env: SupergraphEnvironment | undefined;
    beforeAll(async () => {
      env = await startSupergraph(supergraph, configurations);
    });
    afterAll(async () => {
      await env?.close();
    });

    it("stock answers each query as the corpus says (with or without errors)", async () => {
      const wrong: string[] = [];
      for (const query of supergraph.queries) {
        const stock = await env!.stockAnswer(query);
        const hasErrors = (stock.body.errors?.length ?? 0) + (stock.body.extensions?.valueCompletion?.length ?? 0) > 0;
        // Without errors there must be data; with them, a request error (no `data` at all) is fine.
        if (hasErrors !== (query.expectErrors ?? false) || (!hasErrors && !stock.body.data))
          wrong.push(`${query.name}: ${stock.text}`);
        if (query.specExpected && !differences(query.specExpected.response, stock.body))
          wrong.push(`${query.name}: stock now answers as the spec says; drop specExpected (${query.specExpected.reason})`);
      }
      expect(wrong, wrong.join("\n")).toEqual([]);
    });

    for (const configuration of configurations) {
      for (const query of supergraph.queries) {
        it(`${query.name} [${configuration.name}]`, async () => {
          const stock = await env!.stockAnswer(query);
          const expected = query.specExpected
            ? { body: query.specExpected.response, text: JSON.stringify(query.specExpected.response), label: "the spec" }
            : { body: stock.body, text: stock.text, label: "stock" };
          const endpoint = env!.plaza.get(configuration.name)!;
          const failures: string[] = [];
          const check = async (attempt: string, url: string) => {
            const actual = await send(url, query);
            const diff = differences(expected.body, actual.body);
            if (diff) failures.push(report(supergraph, query, configuration.name, attempt, expected, actual, diff));
          };
          if (!configuration.cached) {
            await check("only", endpoint.url);
            // Signed in: the first request verified the token, so this one may take the fast lane.
            if (query.viewer) await check("again, token verified", endpoint.url);
          } else {
            await check("miss", endpoint.url);
            await check("hit", endpoint.url);
            if (endpoint.peer) {
              await endpoint.settle();
              await check("peer, from redis", endpoint.peer.url);
            }
          }
          if (failures.length > 0) throw new Error(failures.join("\n\n"));
        });
      }
    }
  });
}
