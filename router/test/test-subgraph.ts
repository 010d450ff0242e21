import { parse } from "graphql";
import { buildRouter, type Router, type RouterDeps } from "../src/app.ts";
import { createRouterMetrics, type RouterMetrics } from "../src/metrics.ts";
import { composeSupergraph } from "../src/schema/compose.ts";
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

/** Composes test subgraphs into a supergraph SDL; throws with the composition errors. */
export function composeTestSupergraph(subgraphs: Parameters<typeof composeSupergraph>[0]): string {
  const composed = composeSupergraph(subgraphs);
  if (!composed.ok) throw new Error(`composition failed: ${JSON.stringify(composed.errors)}`);
  return composed.supergraphSdl;
}

export interface TestRouter {
  router: Router;
  metrics: RouterMetrics;
  /** The router's /graphql URL. */
  url: string;
}

/** A router on a free loopback port with its own metrics and health. */
export async function startTestRouter(deps: Omit<RouterDeps, "metrics" | "health">): Promise<TestRouter> {
  const metrics = createRouterMetrics({ defaultMetrics: false });
  const router = await buildRouter({ ...deps, metrics, health: createHealth() });
  return { router, metrics, url: `http://127.0.0.1:${await router.listen(0)}/graphql` };
}
