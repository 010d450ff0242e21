import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { createSubgraphServer, type Health, type Logger, type ServiceMetrics, type SubgraphServer } from "@plaza/kit";
import type { CounterService } from "./application/counter-service.ts";
import type { CounterChanges } from "./application/ports/counter-changes.port.ts";
import { createCountersContext, type CountersContext } from "./adapters/graphql/context.ts";
import { resolvers } from "./adapters/graphql/resolvers.ts";
import type { CountersMetrics } from "./metrics.ts";

export const countersTypeDefs = parse(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

export interface CountersAppDeps {
  counters: CounterService;
  changes: CounterChanges;
  logger: Logger;
  metrics: ServiceMetrics;
  countersMetrics: CountersMetrics;
  health: Health;
  internalAuthKey: string;
  /** How long the router's signature is accepted (INTERNAL_AUTH_MAX_AGE_SECONDS; default 30 s). */
  internalAuthMaxAgeSeconds?: number;
  batchLimit: number;
  updatesPerSecond: number;
  graphiql?: boolean;
  /** Kit's HTTP fast lane and compiled queries (default on). */
  httpFastLane?: boolean;
  jit?: boolean;
}

/** The counters subgraph (HTTP + graphql-ws) without listening (tests bind port 0). */
export function buildCountersApp(deps: CountersAppDeps): SubgraphServer {
  const { countersMetrics } = deps;
  return createSubgraphServer<CountersContext>({
    service: "counters",
    typeDefs: countersTypeDefs,
    resolvers,
    logger: deps.logger,
    metrics: deps.metrics,
    health: deps.health,
    internalAuthKey: deps.internalAuthKey,
    internalAuthMaxAgeSeconds: deps.internalAuthMaxAgeSeconds,
    context: createCountersContext({
      counters: deps.counters,
      changes: deps.changes,
      batchLimit: deps.batchLimit,
      minUpdateIntervalMs: 1000 / deps.updatesPerSecond,
      onSubscriptionOpened: () => countersMetrics.activeSubscriptions.inc(),
      onSubscriptionClosed: () => countersMetrics.activeSubscriptions.dec(),
      onCoalesced: () => countersMetrics.coalescedUpdates.inc(),
    }),
    graphiql: deps.graphiql,
    httpFastLane: deps.httpFastLane,
    jit: deps.jit,
  });
}
