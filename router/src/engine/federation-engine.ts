import type {
  DocumentNode,
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLFormattedError,
  GraphQLSchema,
} from "graphql";
import type { Logger } from "@plaza/kit";
import type { RouterContext } from "../context.ts";

/**
 * The router's federation engine port: planning and executing operations over a supergraph. The rest of the router
 * (HTTP lanes, cache, subscriptions, auth) talks to federation only through this; the one adapter is
 * apollo-engine.ts (@apollo/gateway's planner and executor), and tests use a double (engine-double.ts in test/).
 */
export interface FederationEngine {
  /** The API schema clients query (the supergraph without federation machinery and `@inaccessible` elements). */
  readonly schema: GraphQLSchema;
  /** The router's client to each subgraph of the supergraph, by subgraph name. */
  readonly subgraphs: ReadonlyMap<string, SubgraphClient>;
  /** Plans and executes a query or mutation, with federation's semantics (partial data, error paths). */
  execute(args: ExecutionArgs): Promise<ExecutionResult>;
  /** Plans a subscription document (remembered per document); throws a GraphQLError when it cannot be served. */
  planSubscription(document: DocumentNode, operationName: string | null | undefined): PlannedSubscription;
  stop(): Promise<void>;
}

export interface FederationEngineOptions {
  supergraphSdl: string;
  /** The router's client for a subgraph named in the supergraph (`url` as the supergraph gives it, if it does). */
  subgraphClient(name: string, url: string | undefined): SubgraphClient;
  logger: Logger;
  /** Operations the planner answers with one fetch are answered with its data, without result shaping (default true). */
  singleFetchDirect?: boolean;
  /** Counts operations answered that way (a metric). */
  onSingleFetchDirect?: () => void;
}

export type FederationEngineFactory = (options: FederationEngineOptions) => Promise<FederationEngine>;

/** One GraphQL request to a subgraph, as the engine's plans print it. */
export interface SubgraphRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

/** A subgraph's GraphQL response. */
export interface SubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/** The router's HTTP client to one subgraph (subgraph/subgraph-client.ts). */
export interface SubgraphClient {
  readonly name: string;
  readonly url: string;
  /** Sends one request on behalf of the request whose context is given (the viewer is signed into it). */
  fetch(request: SubgraphRequest, context: Partial<RouterContext>): Promise<SubgraphResponse>;
  /** Cheap liveness probe for /readyz. */
  probe(): Promise<void>;
}

/** A subscription as planned: its root field opens on one subgraph, and the engine completes each event. */
export interface PlannedSubscription {
  /** The subscription's root field (`feedUpdated`): decides whether the subscription may be shared across viewers. */
  rootField: string;
  /** The fetch that opens the root field on the subgraph that owns it. */
  primary: { subgraph: string; query: string; operationName?: string; variableUsages: readonly string[] };
  /** Identifies the operation (upstream subscriptions are shared by scope, this hash, name and variables). */
  queryHash: string;
  /**
   * Completes events for one group of clients (`args.contextValue` is whom fetches are made for): each event answers
   * the primary fetch, and anything else the operation selects is fetched from the subgraphs.
   */
  eventResolver(args: ExecutionArgs): (event: FormattedExecutionResult) => Promise<ExecutionResult>;
}
