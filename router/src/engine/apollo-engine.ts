import { ApolloGateway } from "@apollo/gateway";
import type { ExecutionArgs, ExecutionResult } from "graphql";
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
  const execute =
    options.singleFetchDirect === false
      ? viaGateway
      : createSingleFetchExecutor({
          planning,
          subgraphs: sources,
          gateway: viaGateway,
          logger,
          onDirect: options.onSingleFetchDirect,
        });
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
