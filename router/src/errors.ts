import { GraphQLError } from "graphql";
import { maskError, type Logger } from "@plaza/kit";
import { SubgraphFetchError } from "./subgraph/subgraph-client.ts";
import { withoutSuggestions } from "./plugins/use-schema-privacy.ts";

/** Extensions that must never reach clients: debugging detail from whichever server raised the error. */
const INTERNAL_EXTENSIONS = ["stacktrace", "exception", "originalError"];

/** What @apollo/gateway sets when a subgraph error had no code of its own. */
const UNCODED_SUBGRAPH_ERROR = "DOWNSTREAM_SERVICE_ERROR";

/**
 * An error a subgraph returned in its response, as the gateway re-raises it: a GraphQLError naming the subgraph
 * whose originalError is the plain error object from the response body (not a thrown Error).
 */
function isSubgraphResponseError(error: GraphQLError): boolean {
  return (
    typeof error.extensions.serviceName === "string" &&
    error.originalError !== undefined &&
    !(error.originalError instanceof Error)
  );
}

function withoutExtensions(error: GraphQLError, keys: readonly string[]): GraphQLError {
  if (!keys.some((key) => key in error.extensions)) return error;
  const extensions = Object.fromEntries(Object.entries(error.extensions).filter(([key]) => !keys.includes(key)));
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}

/**
 * The router's yoga `maskError`: kit's mapping (domain codes kept, unexpected errors masked) plus errors relayed
 * from subgraphs. A subgraph's coded error (CONFLICT, BAD_USER_INPUT, …) was already shaped for clients by the
 * subgraph, so its code and message pass through; an uncoded one is treated as unexpected. Masked errors are
 * logged here, since the client only ever sees the masked message.
 */
export function createRouterMaskError(logger: Logger, options: { fieldSuggestions?: boolean } = {}) {
  const mask = maskWith(logger);
  if (options.fieldSuggestions ?? true) return mask;
  // Variable coercion errors carry "Did you mean …?" too; they are raised while executing, so they pass through here.
  return (error: unknown, message: string): GraphQLError => withoutSuggestions(mask(error, message));
}

function maskWith(logger: Logger) {
  return (error: unknown, message: string): GraphQLError => {
    if (error instanceof GraphQLError && isSubgraphResponseError(error)) {
      if (error.extensions.code !== UNCODED_SUBGRAPH_ERROR) {
        // `http` too: a subgraph must not pick the status code of the router's response.
        const upstream = new GraphQLError(error.message, { path: error.path, extensions: error.extensions });
        return withoutExtensions(upstream, [...INTERNAL_EXTENSIONS, "http"]);
      }
      logger.error(
        { subgraph: error.extensions.serviceName, path: error.path, upstreamMessage: error.message },
        "subgraph returned an uncoded error",
      );
      return new GraphQLError(message, { path: error.path, extensions: { code: "INTERNAL_SERVER_ERROR" } });
    }
    const masked = maskError(error, message);
    if (masked.extensions.code === "INTERNAL_SERVER_ERROR" && masked !== error) {
      const cause = error instanceof GraphQLError ? (error.originalError ?? error) : error;
      // Subgraph fetch failures were already logged where they happened, with the request id.
      if (!(cause instanceof SubgraphFetchError)) logger.error({ err: cause, path: masked.path }, "unexpected error masked");
    }
    return withoutExtensions(masked, INTERNAL_EXTENSIONS);
  };
}
