import { readFileSync } from "node:fs";
import { parse } from "graphql";
import {
  createSubgraphServer,
  type Health,
  type Logger,
  type NodeHandler,
  type ServiceMetrics,
  type SubgraphServer,
} from "@plaza/kit";
import { createPaymentsContext, type PaymentsContext, type PaymentsServices } from "./adapters/graphql/context.ts";
import { resolvers } from "./adapters/graphql/resolvers.ts";

export const paymentsTypeDefs = parse(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

/** Where the payment provider posts its webhooks (the router forwards its own `/webhooks/psp` here). */
export const WEBHOOK_PATH = "/webhooks/psp";

export interface PaymentsAppDeps extends PaymentsServices {
  webhook: NodeHandler;
  logger: Logger;
  metrics: ServiceMetrics;
  health: Health;
  internalAuthKey: string;
  internalAuthMaxAgeSeconds?: number;
  graphiql?: boolean;
  httpFastLane?: boolean;
  jit?: boolean;
}

/** The payments subgraph without listening (tests bind port 0). */
export function buildPaymentsApp(deps: PaymentsAppDeps): SubgraphServer {
  return createSubgraphServer<PaymentsContext>({
    service: "payments",
    typeDefs: paymentsTypeDefs,
    resolvers,
    logger: deps.logger,
    metrics: deps.metrics,
    health: deps.health,
    internalAuthKey: deps.internalAuthKey,
    internalAuthMaxAgeSeconds: deps.internalAuthMaxAgeSeconds,
    context: createPaymentsContext({ payments: deps.payments, live: deps.live, maxPageSize: deps.maxPageSize }),
    // Signed by the provider, not by the router: the one route the router's signature does not guard.
    publicRoutes: { [WEBHOOK_PATH]: deps.webhook },
    graphiql: deps.graphiql,
    httpFastLane: deps.httpFastLane,
    jit: deps.jit,
  });
}
