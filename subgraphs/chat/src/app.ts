import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { createSubgraphServer, type Health, type Logger, type ServiceMetrics, type SubgraphServer } from "@plaza/kit";
import { createChatContext, type ChatContext, type ChatServices } from "./adapters/graphql/context.ts";
import { resolvers } from "./adapters/graphql/resolvers.ts";

export const chatTypeDefs = parse(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

export interface ChatAppDeps extends ChatServices {
  logger: Logger;
  metrics: ServiceMetrics;
  health: Health;
  internalAuthKey: string;
  /** How long the router's signature is accepted (INTERNAL_AUTH_MAX_AGE_SECONDS; default 30 s). */
  internalAuthMaxAgeSeconds?: number;
  graphiql?: boolean;
  /** Kit's HTTP fast lane and compiled queries (default on). */
  httpFastLane?: boolean;
  jit?: boolean;
}

/** The chat subgraph without listening (tests bind port 0). */
export function buildChatApp(deps: ChatAppDeps): SubgraphServer {
  return createSubgraphServer<ChatContext>({
    service: "chat",
    typeDefs: chatTypeDefs,
    resolvers,
    logger: deps.logger,
    metrics: deps.metrics,
    health: deps.health,
    internalAuthKey: deps.internalAuthKey,
    internalAuthMaxAgeSeconds: deps.internalAuthMaxAgeSeconds,
    context: createChatContext({
      chat: deps.chat,
      conversations: deps.conversations,
      inbox: deps.inbox,
      live: deps.live,
      liveInbox: deps.liveInbox,
      maxPageSize: deps.maxPageSize,
    }),
    graphiql: deps.graphiql,
    httpFastLane: deps.httpFastLane,
    jit: deps.jit,
  });
}
