// Starts the e-commerce workload's four subgraphs, each in its own process (reported as `ecommerce-<name>` in CPU
// tables), and writes their supergraph for the gateways to serve.
import { randomBytes } from "node:crypto";
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

/**
 * A Plaza router process over the e-commerce supergraph, `env` on top: production mode, fresh secrets, no Redis or
 * Kafka (a developer's .env must not point it at Plaza's), rate limiters that run but never refuse, and no cost limit.
 */
export async function startEcommerceRouter(
  supergraphPath: string,
  env: Record<string, string> = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const router = await startScript("router/src/index.ts", port, {
    ...(process.env as Record<string, string>),
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    REDIS_URL: "",
    KAFKA_BROKERS: "",
    JWT_SECRET: randomBytes(32).toString("hex"),
    // The router signs every subgraph request (built in); these subgraphs ignore the header.
    INTERNAL_AUTH_KEY: randomBytes(32).toString("hex"),
    ROUTER_RATE_LIMIT_PER_IP: "1000000000",
    ROUTER_RATE_LIMIT_PER_VIEWER: "1000000000",
    SUPERGRAPH_PATH: supergraphPath,
    // The nested query is estimated at ~98,500, over the default cost limit (10,000), which refuses it by design;
    // the other gateways have no such limit. Every other protection stays on.
    ROUTER_MAX_COST: "0",
    ROUTER_PORT: String(port),
    ROUTER_INSTANCE_ID: `ecommerce-${port}`,
    ...env,
  });
  return { url: `${router.url}/graphql`, stop: router.stop };
}
