import { ApolloGateway } from "@apollo/gateway";
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult } from "graphql";
import { getVariableValues } from "graphql/execution/values.js";
import { toGatewayDataSource, type GatewayDataSource } from "./apollo-data-source.ts";
import { createFederationPlanning } from "./apollo-planning.ts";
import { toGatewayRequestContext } from "./apollo-request-context.ts";
import { createSingleFetchExecutor } from "./apollo-single-fetch.ts";
import { createSubscriptionPlanner } from "./apollo-subscriptions.ts";
import type { FederationEngine, FederationEngineFactory, SubgraphClient } from "./federation-engine.ts";

/**
 * The federation engine on @apollo/gateway: its query planner and plan executor for queries and mutations, the
 * same planner (a second instance, over the same supergraph) for subscriptions and single-fetch execution.
 */
export const createApolloFederationEngine: FederationEngineFactory = async (options) => {
  const { logger } = options;
  // @apollo/gateway otherwise probes cloud metadata endpoints at construction and exports usage metrics to
  // Apollo every few seconds; it only reads this variable. Operators may still opt in by setting it to "false".
  process.env.APOLLO_TELEMETRY_DISABLED ??= "true";
  const clients = new Map<string, SubgraphClient>();
  const sources = new Map<string, GatewayDataSource>();
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: logger.child({ component: "gateway" }),
    buildService: ({ name, url }) => {
      const client = options.subgraphClient(name, url);
      const source = toGatewayDataSource(client);
      clients.set(name, client);
      sources.set(name, source);
      return source;
    },
  });
  const loaded = await gateway.load();
  const planning = createFederationPlanning(options.supergraphSdl);
  const viaGateway = (args: ExecutionArgs) => loaded.executor(toGatewayRequestContext(args, logger)) as Promise<ExecutionResult>;
  const planned =
    options.singleFetchDirect === false
      ? viaGateway
      : createSingleFetchExecutor({
          planning,
          subgraphs: sources,
          gateway: viaGateway,
          logger,
          onDirect: options.onSingleFetchDirect,
        });
  const execute = async (args: ExecutionArgs) => withInputErrorCodes(args, await planned(args));
  const subscriptions = createSubscriptionPlanner({ planning, schema: loaded.schema, subgraphs: sources, logger });
  const engine: FederationEngine = {
    schema: loaded.schema,
    subgraphs: clients,
    execute,
    planSubscription: (document, operationName) => subscriptions.plan(document, operationName),
    stop: () => gateway.stop(),
  };
  return engine;
};

/**
 * The gateway answers variables that do not coerce without a code; Apollo Server (and Plaza's own error codes) call
 * them BAD_USER_INPUT. Only a result without data can be one, so the variables are coerced again on that path only.
 */
function withInputErrorCodes(args: ExecutionArgs, result: ExecutionResult): ExecutionResult {
  if (result.data !== undefined || !result.errors?.length) return result;
  const operation = getOperationAST(args.document, args.operationName ?? undefined);
  if (!operation?.variableDefinitions?.length) return result;
  const coerced = getVariableValues(
    args.schema,
    operation.variableDefinitions,
    (args.variableValues ?? {}) as Record<string, unknown>,
  );
  if (!coerced.errors) return result;
  const inputErrors = new Set(coerced.errors.map((error) => error.message));
  return {
    ...result,
    errors: result.errors.map((error) =>
      inputErrors.has(error.message) && error.extensions?.code === undefined
        ? new GraphQLError(error.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            originalError: error.originalError,
            extensions: { ...error.extensions, code: "BAD_USER_INPUT" },
          })
        : error,
    ),
  };
}
