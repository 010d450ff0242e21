// Stock Apollo Gateway over Plaza's supergraph: `@apollo/gateway` in `@apollo/server`'s standalone server, default
// settings, the baseline a Plaza router figure is compared with in the same run. The one addition is what Plaza's
// subgraphs require of any caller: each subgraph request carries the router's signed identity (anonymous, or the
// benchmark's one viewer: stock Apollo Gateway verifies no tokens, so it is told who that viewer is).
//   STOCK_GATEWAY_PORT: where it listens; INTERNAL_AUTH_KEY; SUBGRAPH_URL_<NAME> overrides, as the router reads them;
//   STOCK_GATEWAY_VIEWER_ID: the viewer every request is signed as (unset: anonymous);
//   STOCK_GATEWAY_SUPERGRAPH_PATH: another supergraph (default: Plaza's), e.g. the bench's e-commerce one, whose
//   subgraphs need no signature: with INTERNAL_AUTH_KEY empty, requests go unsigned, as stock.
import { readFileSync } from "node:fs";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { createInternalSigner, INTERNAL_AUTH_HEADER } from "@plaza/kit";
import { subgraphEnvName } from "@plaza/router/subgraphs";

const supergraphSdl = readFileSync(
  process.env.STOCK_GATEWAY_SUPERGRAPH_PATH || new URL("../../router/supergraph.graphql", import.meta.url),
  "utf8",
);
const key = process.env.INTERNAL_AUTH_KEY;
const sign = key ? createInternalSigner(key) : undefined;
const viewerId = process.env.STOCK_GATEWAY_VIEWER_ID || null;

/** The stock data source and fetcher; the signature covers the subgraph's name and the exact body it sends. */
class SignedDataSource extends RemoteGraphQLDataSource {
  constructor(subgraph: string, url: string) {
    super({ url });
    if (!sign) return;
    const stock = this.fetcher;
    this.fetcher = (input, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      headers[INTERNAL_AUTH_HEADER] = sign({ viewerId }, { subgraph, body: String(init?.body ?? "") });
      return stock(input, { ...init, headers });
    };
  }
}

const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ name, url }) => new SignedDataSource(name, process.env[`SUBGRAPH_URL_${subgraphEnvName(name)}`] ?? url!),
});
const server = new ApolloServer({ gateway });
await startStandaloneServer(server, { listen: { port: Number(process.env.STOCK_GATEWAY_PORT), host: "127.0.0.1" } });

const stop = () => void server.stop().finally(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
