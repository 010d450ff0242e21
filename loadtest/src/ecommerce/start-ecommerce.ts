// Starts the e-commerce workload's four subgraphs, each in its own process (reported as `ecommerce-<name>` in CPU
// tables), and writes their supergraph for the gateways to serve.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeSupergraph } from "@plaza/router/schema/compose";
import { freePort, startScript } from "../process-stack.ts";
import { ECOMMERCE_SUBGRAPHS, ecommerceSubgraphs, type EcommerceSubgraph } from "./schemas.ts";

/** What gateways sent one subgraph: requests, entity representations in them, request body bytes. */
export interface SubgraphTraffic {
  requests: number;
  representations: number;
  requestBytes: number;
}

export interface EcommerceSubgraphs {
  /** Each subgraph's `http://127.0.0.1:<port>/graphql`. */
  urls: Record<EcommerceSubgraph, string>;
  /** The composed supergraph in a temporary file; its routing URLs are `urls`. */
  supergraphPath: string;
  supergraphSdl: string;
  /** Each subgraph's traffic since it started (its `GET /counts`). */
  traffic(): Promise<Record<EcommerceSubgraph, SubgraphTraffic>>;
  stop(): Promise<void>;
}

export async function startEcommerceSubgraphs(): Promise<EcommerceSubgraphs> {
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const urls = {} as Record<EcommerceSubgraph, string>;
    for (const name of ECOMMERCE_SUBGRAPHS) {
      const port = await freePort();
      const env = {
        ...(process.env as Record<string, string>),
        ECOMMERCE_SUBGRAPH: name,
        ECOMMERCE_PORT: String(port),
        BENCH_PROCESS_LABEL: `ecommerce-${name}`,
      };
      const subgraph = await startScript("loadtest/src/ecommerce/subgraph-server.ts", port, env);
      started.push(subgraph);
      urls[name] = `${subgraph.url}/graphql`;
    }
    const composed = composeSupergraph(
      ECOMMERCE_SUBGRAPHS.map((name) => ({ name, url: urls[name], sdl: ecommerceSubgraphs[name].sdl })),
    );
    if (!composed.ok) throw new Error(`e-commerce composition failed: ${JSON.stringify(composed.errors)}`);
    const supergraphPath = join(mkdtempSync(join(tmpdir(), "plaza-ecommerce-")), "supergraph.graphql");
    writeFileSync(supergraphPath, composed.supergraphSdl);
    const traffic = async () =>
      Object.fromEntries(
        await Promise.all(
          ECOMMERCE_SUBGRAPHS.map(async (name) => {
            const response = await fetch(new URL("/counts", urls[name]));
            return [name, (await response.json()) as SubgraphTraffic] as const;
          }),
        ),
      ) as Record<EcommerceSubgraph, SubgraphTraffic>;
    return { urls, supergraphPath, supergraphSdl: composed.supergraphSdl, traffic, stop: () => stopAll(started) };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

async function stopAll(processes: ReadonlyArray<{ stop(): Promise<void> }>): Promise<void> {
  await Promise.allSettled(processes.map((p) => p.stop()));
}
