import { execute, GraphQLError, type ExecutionArgs, type ExecutionResult } from "graphql";
import { createSchema } from "graphql-yoga";
import type { FederationEngine, FederationEngineFactory, SubgraphClient } from "./federation-engine.ts";

/**
 * A second implementation of the federation engine port, for tests: one local schema executed by graphql-js, no
 * federation and no Apollo package. Proves the router needs nothing of @apollo/gateway beyond the port.
 */
export function createEngineDouble(definition: {
  typeDefs: string;
  resolvers?: Record<string, unknown>;
  /** Called for every operation the router hands the engine (tests count what reached it). */
  onExecute?: (args: ExecutionArgs) => void;
}): FederationEngineFactory {
  return async () => {
    const schema = createSchema({ typeDefs: definition.typeDefs, resolvers: (definition.resolvers ?? {}) as never });
    const engine: FederationEngine = {
      schema,
      subgraphs: new Map<string, SubgraphClient>(),
      async execute(args) {
        definition.onExecute?.(args);
        return (await execute({ ...args, schema })) as ExecutionResult;
      },
      planSubscription() {
        throw new GraphQLError("The engine double serves no subscriptions", { extensions: { code: "BAD_USER_INPUT" } });
      },
      stop: async () => {},
    };
    return engine;
  };
}
