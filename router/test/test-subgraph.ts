import { parse } from "graphql";
import {
  createHealth,
  createMetrics,
  createSubgraphServer,
  type BaseContext,
  type Logger,
  type SubgraphServer,
} from "@plaza/kit";

export interface TestSubgraph {
  server: SubgraphServer;
  url: string;
}

/** A small real subgraph on a free loopback port, trusting the router that holds `internalAuthKey`. */
export async function startTestSubgraph(options: {
  service: string;
  sdl: string;
  resolvers: Record<string, unknown>;
  internalAuthKey: string;
  logger: Logger;
}): Promise<TestSubgraph> {
  const server = createSubgraphServer<BaseContext>({
    service: options.service,
    typeDefs: parse(options.sdl),
    resolvers: options.resolvers as never,
    logger: options.logger,
    metrics: createMetrics(options.service, { defaultMetrics: false }),
    health: createHealth(),
    internalAuthKey: options.internalAuthKey,
    context: (base) => base,
  });
  const port = await server.listen(0);
  return { server, url: `http://127.0.0.1:${port}/graphql` };
}
