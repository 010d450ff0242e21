import { Supergraph, type Schema } from "@apollo/federation-internals";
import { QueryPlanner } from "@apollo/query-planner";
import type { GraphQLSchema } from "graphql";

/** The federation query planner over one supergraph, with the two schemas plan execution needs. */
export interface FederationPlanning {
  readonly planner: QueryPlanner;
  readonly apiSchema: Schema;
  /** The supergraph schema as graphql-js, which plan execution needs for rewrites and `requires`. */
  readonly supergraphSchema: GraphQLSchema;
}

export function createFederationPlanning(supergraphSdl: string): FederationPlanning {
  const supergraph = Supergraph.build(supergraphSdl);
  return {
    planner: new QueryPlanner(supergraph),
    apiSchema: supergraph.apiSchema(),
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
  };
}
