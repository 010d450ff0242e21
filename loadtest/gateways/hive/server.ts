// Hive Gateway (@graphql-hive/gateway, MIT) for `npm run bench`: its runtime in one Node process behind node:http,
// as the Plaza router and stock Apollo Gateway run, over the supergraph the bench gives it. Settings are the
// documented ones, each spelled out so a variant differs from another in one named setting only:
//   HIVE_GATEWAY_PORT; HIVE_SUPERGRAPH_PATH (subgraph URLs as the bench wants them);
//   HIVE_OUTBOUND_DEDUPE (default true: the HTTP transport's deduplicateInflightRequests, on by default in Hive);
//   HIVE_INBOUND_DEDUPE (default false: inboundInflightRequestDeduplication, off by default in Hive);
//   HIVE_RUST_PLANNER (default false: unifiedGraphHandler of @graphql-hive/router-runtime, Hive Router's planner);
//   INTERNAL_AUTH_KEY + HIVE_GATEWAY_VIEWER_ID: when the key is set, every subgraph request carries Plaza's signed
//   internal identity (the viewer, or anonymous), as Plaza's subgraphs require of any caller.
// Installed by the bench into this folder's node_modules (not a Plaza workspace); run with tsx from the repo root.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createGatewayRuntime, type GatewayPlugin } from "@graphql-hive/gateway";
import { createInternalSigner, INTERNAL_AUTH_HEADER } from "@plaza/kit";

const flag = (name: string, fallback: boolean) => (process.env[name] ?? String(fallback)) === "true";
const supergraph = readFileSync(process.env.HIVE_SUPERGRAPH_PATH!, "utf8");

/** Which subgraph a request goes to, by URL (the supergraph's join__graph entries): the signature covers its name. */
const subgraphByUrl = new Map(
  [...supergraph.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)].map(([, name, url]) => [url!, name!]),
);

function signingPlugin(key: string, viewerId: string | null): GatewayPlugin {
  const sign = createInternalSigner(key);
  return {
    onFetch({ url, options, setOptions }) {
      const subgraph = subgraphByUrl.get(url);
      if (!subgraph) return;
      const headers = { ...(options.headers as Record<string, string> | undefined) };
      headers[INTERNAL_AUTH_HEADER] = sign({ viewerId }, { subgraph, body: String(options.body ?? "") });
      setOptions({ ...options, headers });
    },
  };
}

const unifiedGraphHandler = flag("HIVE_RUST_PLANNER", false)
  ? (await import("@graphql-hive/router-runtime")).unifiedGraphHandler
  : undefined;
const key = process.env.INTERNAL_AUTH_KEY;
const gateway = createGatewayRuntime({
  supergraph,
  logging: "error",
  landingPage: false,
  graphiql: false,
  transportEntries: { "*.http": { options: { deduplicateInflightRequests: flag("HIVE_OUTBOUND_DEDUPE", true) } } },
  inboundInflightRequestDeduplication: flag("HIVE_INBOUND_DEDUPE", false),
  ...(unifiedGraphHandler && { unifiedGraphHandler }),
  plugins: () => (key ? [signingPlugin(key, process.env.HIVE_GATEWAY_VIEWER_ID || null)] : []),
});

const server = createServer(gateway);
server.listen(Number(process.env.HIVE_GATEWAY_PORT), "127.0.0.1");
const stop = () => void Promise.resolve(gateway.dispose()).finally(() => server.close(() => process.exit(0)));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
