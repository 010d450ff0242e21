/** What a supergraph of the conformance corpus is made of (see README.md: how to add a case). */

/** Resolvers as `buildSubgraphSchema` takes them (`__resolveReference`, `__resolveType`, fields, root types). */
export type Resolvers = Record<string, Record<string, unknown>>;

export interface SubgraphDefinition {
  /** Subgraph name in the supergraph (also the key of its URL). */
  name: string;
  /** Federation 2 SDL, starting with `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", …)`. */
  sdl: string;
  resolvers: Resolvers;
}

/** A GraphQL response as the client reads it. */
export interface GraphQLResponseBody {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorBody[];
  /**
   * @apollo/gateway reports errors of its own result completion (an enum value the API schema does not have, a null
   * for a non-null field) here instead of in `errors`, and nulls the data as graphql-js would.
   */
  extensions?: { valueCompletion?: GraphQLErrorBody[]; [key: string]: unknown };
}

export interface GraphQLErrorBody {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

export interface ConformanceQuery {
  /** Unique within its supergraph; failures are named `<supergraph> / <query> [<configuration>]`. */
  name: string;
  /** The operation document sent as is (queries and mutations; mutations must be idempotent, see README). */
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Sent signed in as this user id (Plaza gets a valid token; stock gets the same header and ignores it). */
  viewer?: string;
  /**
   * Whether stock's answer has errors. A sanity check on the corpus itself: a typo that makes every gateway answer
   * with the same validation error would otherwise pass vacuously.
   */
  expectErrors?: boolean;
  /**
   * Only for a real stock bug: the answer the Federation specification requires, which Plaza must give instead of
   * stock's, and why. Plaza is compared with this; stock is checked to still differ (so the override is dropped
   * once stock is fixed).
   */
  specExpected?: { response: GraphQLResponseBody; reason: string };
}

export interface ConformanceSupergraph {
  /** kebab-case, unique in the corpus. */
  name: string;
  /** What it covers, one line. */
  covers: string;
  subgraphs: SubgraphDefinition[];
  queries: ConformanceQuery[];
}
