import type { GraphQLDataSource } from "@apollo/gateway";
import type { RouterContext } from "../context.ts";
import type { SubgraphClient, SubgraphRequest } from "./federation-engine.ts";

export type GatewayDataSource = GraphQLDataSource<Record<string, unknown>>;
export type GatewayResponse = Awaited<ReturnType<GatewayDataSource["process"]>>;

/** @apollo/gateway's data source interface over the router's subgraph client. */
export function toGatewayDataSource(client: SubgraphClient): GatewayDataSource {
  return {
    process: (options) =>
      client.fetch(
        options.request as SubgraphRequest,
        (options.context ?? {}) as Partial<RouterContext>,
      ) as Promise<GatewayResponse>,
  };
}
