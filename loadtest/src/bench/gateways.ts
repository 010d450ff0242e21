// The gateways `npm run bench` compares, each in its own process labelled with its name (CPU tables), over one set of
// subgraph processes. Every setting that differs between products is named here, so a variant is one switch away.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { subgraphEnvName } from "@plaza/router/subgraphs";
import { freePort, startRouterVariant, startScript, type ProcessStack } from "../process-stack.ts";
import { gatewayLabel } from "./report.ts";
import { startEcommerceRouter } from "../ecommerce/start-ecommerce.ts";

export const TARGET_IDS = ["plaza", "plaza-cached", "stock-apollo-gateway", "hive-gateway", "hive-gateway-rust"] as const;
export type TargetId = (typeof TARGET_IDS)[number];

export const TARGET_NAMES: Record<TargetId, string> = {
  plaza: "plaza",
  "plaza-cached": "plaza (cached)",
  "stock-apollo-gateway": "stock-apollo-gateway",
  "hive-gateway": "hive-gateway",
  "hive-gateway-rust": "hive-gateway (rust planner)",
};

export interface GatewayOptions {
  /** Identical concurrent subgraph fetches share one request (Plaza SUBGRAPH_FETCH_DEDUPE, Hive deduplicateInflightRequests). */
  subgraphDedupe: boolean;
  /**
   * Identical concurrent client requests share one execution (Plaza ROUTER_INBOUND_DEDUPE, Hive
   * inboundInflightRequestDeduplication; stock Apollo Gateway has none). Set in both, never left to a default.
   */
  inboundDedupe: boolean;
}

export interface RunningTarget {
  id: TargetId;
  name: string;
  url: string;
  headers?: Record<string, string>;
  settings: Record<string, string | boolean>;
  stop(): Promise<void>;
}

/** What the gateways run over: Plaza's split stack (signed, one viewer) or a plain supergraph (e-commerce). */
export type Upstream =
  | { kind: "plaza"; stack: ProcessStack; viewer: { id: string; token: string }; supergraphSdl: string }
  | { kind: "plain"; supergraphPath: string };

export function targetSettings(id: TargetId, options: GatewayOptions): Record<string, string | boolean> {
  switch (id) {
    case "plaza":
    case "plaza-cached":
      return {
        product: "Plaza router (graphql-yoga + @apollo/gateway's planner)",
        responseCache: id === "plaza-cached", // its in-flight dedupe of identical cacheable requests comes with it
        inboundDedupe: options.inboundDedupe,
        subgraphFetchDedupe: options.subgraphDedupe,
      };
    case "stock-apollo-gateway":
      return {
        product: "@apollo/gateway 2.14 in @apollo/server 5 (defaults)",
        responseCache: false,
        inboundDedupe: false,
        subgraphFetchDedupe: false,
      };
    default:
      return {
        product: "@graphql-hive/gateway 2.15 (createGatewayRuntime, one process)",
        queryPlanner: id === "hive-gateway-rust" ? "rust (@graphql-hive/router-runtime)" : "javascript (default)",
        inboundInflightRequestDeduplication: options.inboundDedupe,
        deduplicateInflightRequests: options.subgraphDedupe,
        responseCache: false,
      };
  }
}

/** Plaza's supergraph with each subgraph's routing URL replaced by the one in `urls` (by subgraph name). */
export function withSubgraphUrls(supergraphSdl: string, urls: Record<string, string | undefined>): string {
  return supergraphSdl.replace(
    /@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g,
    (whole, name: string, url: string) => `@join__graph(name: "${name}", url: "${urls[name] ?? url}")`,
  );
}

export async function startTarget(id: TargetId, upstream: Upstream, options: GatewayOptions): Promise<RunningTarget> {
  const name = TARGET_NAMES[id];
  const label = { BENCH_PROCESS_LABEL: gatewayLabel(name) };
  const settings = targetSettings(id, options);
  const plaza = upstream.kind === "plaza" ? upstream : undefined;
  const auth = plaza && { authorization: `Bearer ${plaza.viewer.token}` };
  const port = await freePort();
  const base =
    plaza?.stack.env ??
    ({
      ...(process.env as Record<string, string>),
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      // Empty means unset (a developer's .env must not point this router at Plaza's Redis or Kafka).
      REDIS_URL: "",
      KAFKA_BROKERS: "",
      JWT_SECRET: randomBytes(32).toString("hex"),
      ROUTER_RATE_LIMIT_PER_IP: "1000000000",
      ROUTER_RATE_LIMIT_PER_VIEWER: "1000000000",
    } as Record<string, string>);
  let started: { url: string; stop(): Promise<void> };
  switch (id) {
    case "plaza":
    case "plaza-cached": {
      const env = {
        ...label,
        RESPONSE_CACHE_ENABLED: String(settings.responseCache),
        ROUTER_INBOUND_DEDUPE: String(options.inboundDedupe),
        SUBGRAPH_FETCH_DEDUPE: String(options.subgraphDedupe),
      };
      if (plaza) started = await startRouterVariant(plaza.stack, env);
      else started = await startEcommerceRouter((upstream as { supergraphPath: string }).supergraphPath, env);
      break;
    }
    case "stock-apollo-gateway": {
      const stock = await startScript("loadtest/src/stock-apollo-gateway.ts", port, {
        ...base,
        ...label,
        STOCK_GATEWAY_PORT: String(port),
        ...(plaza
          ? { STOCK_GATEWAY_VIEWER_ID: plaza.viewer.id }
          : { STOCK_GATEWAY_SUPERGRAPH_PATH: (upstream as { supergraphPath: string }).supergraphPath, INTERNAL_AUTH_KEY: "" }),
      });
      started = { url: stock.url, stop: stock.stop };
      break;
    }
    default: {
      let supergraphPath: string;
      if (plaza) {
        const urls = Object.fromEntries(
          ["users", "posts", "counters", "chat", "payments"].map((n) => [
            n,
            plaza.stack.env[`SUBGRAPH_URL_${subgraphEnvName(n)}`],
          ]),
        );
        supergraphPath = join(mkdtempSync(join(tmpdir(), "plaza-bench-hive-")), "supergraph.graphql");
        writeFileSync(supergraphPath, withSubgraphUrls(plaza.supergraphSdl, urls));
      } else supergraphPath = (upstream as { supergraphPath: string }).supergraphPath;
      const hive = await startScript("loadtest/gateways/hive/server.ts", port, {
        ...base,
        ...label,
        HIVE_GATEWAY_PORT: String(port),
        HIVE_SUPERGRAPH_PATH: supergraphPath,
        HIVE_OUTBOUND_DEDUPE: String(options.subgraphDedupe),
        HIVE_INBOUND_DEDUPE: String(settings.inboundInflightRequestDeduplication),
        HIVE_RUST_PLANNER: String(id === "hive-gateway-rust"),
        ...(plaza ? { HIVE_GATEWAY_VIEWER_ID: plaza.viewer.id } : { INTERNAL_AUTH_KEY: "" }),
      });
      started = { url: `${hive.url}/graphql`, stop: hive.stop };
    }
  }
  return { id, name, url: started.url, headers: auth, settings, stop: started.stop };
}
